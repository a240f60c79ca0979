import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { ensureSetupLink } from "../src/dashboard/setup-link.ts";
import { type CreatedApp, createApp } from "../src/domain/apps.ts";
import { systemClock } from "../src/domain/clock.ts";
import type { DomainDeps } from "../src/domain/deps.ts";
import { createUser } from "../src/domain/users.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { makeTempDir, SERVER_ROOT } from "./process.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = path.join(SERVER_ROOT, "test-results");
const OPERATOR = { email: "owner@example.test", password: "a browser-tested password" };
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };
const EVIL_NAME = "<img src=x onerror=alert(1)>";

if (!HAVE_CHROMIUM) {
	console.warn(
		`dashboard-browser: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH or apt-get install chromium)`,
	);
}

let server: RunningServer;
let store: KyselyStore;
let deps: DomainDeps;
let browser: Browser;
let first: CreatedApp;
const dialogs: string[] = [];

async function newPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	page.on("dialog", (dialog) => {
		dialogs.push(dialog.message());
		void dialog.dismiss();
	});
	return { context, page };
}

async function screenshot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page: Page): Promise<void> {
	await page.goto(`${server.url}/dashboard/login`);
	await page.getByLabel("Email").fill(OPERATOR.email);
	await page.getByLabel("Password").fill(OPERATOR.password);
	await page.getByRole("button", { name: "Sign in" }).click();
	await page.waitForURL(`${server.url}/dashboard/apps`);
}

async function rest(pathname: string, headers: Record<string, string>): Promise<Response> {
	return await fetch(`${server.url}${pathname}`, { headers: { appid: first.app.id, ...headers } });
}

describe.skipIf(!HAVE_CHROMIUM)("dashboard in Chromium against a real server", () => {
	beforeAll(async () => {
		mkdirSync(SCREENSHOTS, { recursive: true });
		const dataDir = makeTempDir("dashboard-browser");
		store = new KyselyStore({ kind: "sqlite", filename: path.join(dataDir, "latchkey.db") });
		await store.migrate();
		deps = { store, clock: systemClock, events: noEvents };
		first = await createApp(deps, { name: "My First App" });
		const config = readConfig({ PORT: "0", LATCHKEY_DATA_DIR: dataDir, LATCHKEY_LOG_LEVEL: "silent" }, dataDir);
		server = await startServer({ config, store, clock: systemClock, logger: pino({ level: "silent" }) });
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: [
				"--headless",
				"--no-sandbox",
				"--disable-gpu",
				"--disable-quic",
				"--no-first-run",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
			],
		});
	});

	afterAll(async () => {
		await browser?.close();
		await server?.close();
		await store?.close();
		expect(dialogs).toEqual([]);
	});

	test("first-run setup: the printed link creates the operator, signs in, and works only once", async () => {
		const link = await ensureSetupLink(deps, server.url);
		expect(link).not.toBeNull();
		const { context, page } = await newPage();
		await page.goto(link ?? "");
		await expect(page.locator("h1").textContent()).resolves.toBe("Create the first operator");
		await screenshot(page, "setup-desktop");
		await page.getByLabel("Email").fill(OPERATOR.email);
		await page.getByLabel("Password", { exact: false }).first().fill(OPERATOR.password);
		await page.getByLabel("Repeat the password").fill(OPERATOR.password);
		await page.getByRole("button", { name: "Create operator and sign in" }).click();
		await page.waitForURL(`${server.url}/dashboard/apps?notice=welcome`);
		await expect(page.getByRole("status").first().textContent()).resolves.toContain("Your operator account is ready");
		await expect(page.getByRole("link", { name: "My First App" }).count()).resolves.toBe(1);
		await screenshot(page, "apps-desktop");

		const again = await page.goto(link ?? "");
		expect(again?.status()).toBe(410);
		await expect(page.locator("h1").textContent()).resolves.toBe("Setup link not valid");
		expect(await ensureSetupLink(deps, server.url)).toBeNull();
		await context.close();
	});

	test("create a user, mint a token, use it on REST, revoke it and see REST refuse it", async () => {
		const { context, page } = await newPage();
		await signIn(page);
		await page.getByRole("link", { name: "My First App" }).click();
		await expect(page.locator("h1").textContent()).resolves.toBe("My First App");
		await screenshot(page, "overview-desktop");
		await page.setViewportSize(PHONE);
		await screenshot(page, "overview-360");
		await page.setViewportSize(DESKTOP);
		await page.getByRole("link", { name: "Users", exact: true }).click();
		await page.getByRole("link", { name: "New user" }).click();
		await page.getByLabel("UID").fill("Alice");
		await page.getByLabel("Name").fill("Alice Liddell");
		await page.getByLabel("Role").fill("reader");
		await page.getByLabel("Metadata").fill('{"plan": "pro"}');
		await page.getByRole("button", { name: "Create user" }).click();
		await page.waitForURL(`${server.url}/dashboard/apps/${first.app.id}/users/alice?notice=user-created`);

		await page.getByLabel("Platform").fill("WEB");
		await page.getByRole("button", { name: "Mint token" }).click();
		const token = ((await page.locator("#new-auth-token").textContent()) ?? "").trim();
		expect(token).toMatch(/^lkat_[0-9a-f]{20}\.[\w-]{43}$/);
		await screenshot(page, "user-token-minted-desktop");

		const me = await rest("/v3.0/me", { authtoken: token });
		expect(me.status).toBe(200);
		expect(((await me.json()) as { data: { uid: string; role: string } }).data).toMatchObject({
			uid: "alice",
			role: "reader",
		});

		await page.goto(`${server.url}/dashboard/apps/${first.app.id}/users/alice`);
		await page.getByRole("button", { name: /^Revoke token lkat_/ }).click();
		// Issue 17: a destructive action asks first, in a <dialog>.
		await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
		await expect(page.getByRole("status").first().textContent()).resolves.toContain("The auth token was revoked.");
		const refused = await rest("/v3.0/me", { authtoken: token });
		expect(refused.status).toBe(401);
		expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("AUTH_ERR_AUTH_TOKEN_NOT_FOUND");
		await context.close();
	});

	test("an API key created in the dashboard works on REST until it is deleted", async () => {
		const { context, page } = await newPage();
		await signIn(page);
		await page.goto(`${server.url}/dashboard/apps/${first.app.id}/keys`);
		await page.getByLabel("Name").fill("CI server");
		await page.getByLabel("Scope").selectOption("fullAccess");
		await page.getByRole("button", { name: "Create key" }).click();
		const key = ((await page.locator("#new-api-key").textContent()) ?? "").trim();
		expect(key).toMatch(/^lkak_[0-9a-f]{20}\./);
		await screenshot(page, "keys-created-desktop");
		await page.setViewportSize(PHONE);
		await screenshot(page, "keys-created-360");
		expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
		await page.setViewportSize(DESKTOP);
		expect((await rest("/v3/users", { apikey: key })).status).toBe(200);

		await page.getByRole("button", { name: "Delete key CI server" }).click();
		await page.getByRole("dialog").getByRole("button", { name: "Delete key", exact: true }).click();
		await expect(page.getByRole("status").first().textContent()).resolves.toContain("The API key was deleted.");
		const refused = await rest("/v3/users", { apikey: key });
		expect(refused.status).toBe(401);
		expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("AUTH_ERR_APIKEY_NOT_FOUND");
		await context.close();
	});

	test("a POST without the CSRF token, or from another site, is refused and changes nothing", async () => {
		const { context, page } = await newPage();
		await signIn(page);
		const appsBefore = (await store.listApps()).length;
		// The console's own form with its hidden token removed (the CSP blocks fetch() from the page).
		await page.evaluate('document.querySelector(\'form[action="/dashboard/apps"] input[name="_csrf"]\').remove()');
		await page.getByLabel("Name").fill("No token");
		const tokenless = page.waitForResponse(`${server.url}/dashboard/apps`);
		await page.getByRole("button", { name: "Create app" }).click();
		expect((await tokenless).status()).toBe(403);
		await page.waitForLoadState();
		await expect(page.locator("h1").textContent()).resolves.toBe("Request refused");

		// A page on another origin that auto-submits a form at the console, as a CSRF attack would.
		await page.route("http://attacker.test/**", (route) =>
			route.fulfill({
				contentType: "text/html",
				body: `<form id="f" method="post" action="${server.url}/dashboard/apps"><input name="name" value="Evil"><input name="_csrf" value="guess"></form><script>document.getElementById("f").submit()</script>`,
			}),
		);
		const response = page.waitForResponse(`${server.url}/dashboard/apps`);
		await page.goto("http://attacker.test/");
		expect((await response).status()).toBe(403);
		await page.waitForLoadState();
		await screenshot(page, "csrf-refused-desktop");
		expect((await store.listApps()).length).toBe(appsBefore);
		await context.close();
	});

	test("security settings: the Security tab saves a timeout and an allowlist that REST then reports", async () => {
		const { context, page } = await newPage(PHONE);
		await signIn(page);
		await page.goto(`${server.url}/dashboard/apps/${first.app.id}`);
		await page.getByRole("link", { name: "Security", exact: true }).click();
		await page.waitForURL(`${server.url}/dashboard/apps/${first.app.id}/security`);
		await page.locator("#tokenIdleTimeout").fill("2");
		await page.getByRole("combobox", { name: "Idle timeout unit" }).selectOption("hours");
		await page.getByRole("radio", { name: /^Allowlist/ }).check();
		await page.getByLabel(/^Allowed uids/).fill("Alice\nbob");
		await page.getByRole("button", { name: "Save settings" }).click();
		await expect(page.getByRole("status").first().textContent()).resolves.toContain(
			"The security settings were saved.",
		);
		await screenshot(page, "security-360");
		expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
		const settings = await rest("/v3/security", { apikey: first.restApiKey });
		expect(((await settings.json()) as { data: unknown }).data).toEqual({
			tokenIdleTimeoutSeconds: 7200,
			tokenMaxLifetimeSeconds: null,
			authKeyLogin: "allowlist",
			authKeyUidAllowlist: ["alice", "bob"],
			authKeyOriginAllowlist: [],
			productionMode: false,
			tokenStorage: "hashed",
		});
		await context.close();
	});

	test("keyboard: the first Tab reaches a visible skip link; Copy buttons work under the CSP", async () => {
		const { context, page } = await newPage();
		await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
		await signIn(page);
		await page.keyboard.press("Tab");
		await expect(page.evaluate("document.activeElement.textContent")).resolves.toBe("Skip to content");
		await expect(page.evaluate("getComputedStyle(document.activeElement).outlineStyle")).resolves.toBe("solid");
		await page.keyboard.press("Tab");
		await expect(page.evaluate("document.activeElement.textContent")).resolves.toBe("Latchkey");

		await page.goto(`${server.url}/dashboard/apps/${first.app.id}`);
		await page.getByRole("button", { name: "Copy app id" }).click();
		// writeText resolves asynchronously; the button says "Copied" once it has.
		await page.waitForFunction('document.querySelector("[data-copy=app-id]").textContent === "Copied"');
		await expect(page.evaluate("navigator.clipboard.readText()")).resolves.toBe(first.app.id);
		await context.close();
	});

	test("a user named like an HTML tag is rendered as text, at 360 px", async () => {
		await createUser(deps, first.app.id, { uid: "mallory", name: EVIL_NAME });
		const { context, page } = await newPage(PHONE);
		await signIn(page);
		await page.goto(`${server.url}/dashboard/apps/${first.app.id}/users`);
		await expect(page.getByRole("link", { name: EVIL_NAME }).count()).resolves.toBe(1);
		expect(await page.locator("img").count()).toBe(0);
		await screenshot(page, "users-360");
		await page.getByRole("link", { name: EVIL_NAME }).click();
		await expect(page.locator("h1").textContent()).resolves.toBe(EVIL_NAME);
		expect(await page.locator("img").count()).toBe(0);
		await screenshot(page, "user-360");
		const width = await page.evaluate("document.documentElement.scrollWidth");
		expect(width).toBeLessThanOrEqual(PHONE.width);
		await context.close();
	});

	test("sign-in: a wrong password is refused; repeated failures are throttled", async () => {
		const { context, page } = await newPage(PHONE);
		await page.goto(`${server.url}/dashboard/login`);
		await page.getByLabel("Email").fill(OPERATOR.email);
		await page.getByLabel("Password").fill("not the password at all");
		await page.getByRole("button", { name: "Sign in" }).click();
		await expect(page.getByRole("alert").textContent()).resolves.toContain("The email or password is wrong.");
		await screenshot(page, "login-wrong-password-360");

		// Last test: the failures lock this loopback address out (issue 12). Five failures (the wrong password
		// above is the first), then the next attempt is refused before its password is even checked.
		for (let i = 1; i < 6; i++) {
			await page.getByLabel("Email").fill("intruder@example.test");
			await page.getByLabel("Password").fill(`guess number ${i}`);
			const answer = page.waitForResponse(`${server.url}/dashboard/login`);
			await page.getByRole("button", { name: "Sign in" }).click();
			expect((await answer).status()).toBe(i < 5 ? 401 : 429);
			await page.waitForLoadState();
		}
		await expect(page.getByRole("alert").textContent()).resolves.toContain(
			"Too many failed sign-in attempts from this address.",
		);
		await screenshot(page, "login-throttled-360");
		expect((await context.cookies()).some((cookie) => cookie.name === "latchkey_session")).toBe(false);
		await context.close();
	});
});
