import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureFirstApp } from "../src/bootstrap.ts";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp } from "../src/domain/apps.ts";
import { systemClock } from "../src/domain/clock.ts";
import type { DomainDeps } from "../src/domain/deps.ts";
import { argon2PasswordHasher } from "../src/domain/operator-passwords.ts";
import { createOperator } from "../src/domain/operators.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { findFreePort, makeTempDir, SERVER_ROOT } from "./process.ts";
import { authFrame, openClient, type TestClient } from "./realtime-client.ts";
import { within } from "./wait.ts";

// Issue 17, items 4-6 in Chromium against a real server: app rename and delete (typed name, tokens refused,
// sockets closed), operators (invite, accept, remove, password, sign out everywhere), the quick start against
// credentials.json, and every new page at 390 px without horizontal scroll.

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = path.join(SERVER_ROOT, "test-results", "dashboard-lifecycle");
const OPERATOR = { email: "owner@example.test", password: "a browser-tested password" };
const INVITEE = { email: "second@example.test", name: "Second Operator", password: "the second one's password" };
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

if (!HAVE_CHROMIUM) {
	console.warn(`dashboard-lifecycle-browser: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
}

interface Credentials {
	appId: string;
	region: string;
	restApiKey: string;
	authKey: string;
	baseURL: string;
}

let server: RunningServer;
let store: KyselyStore;
let deps: DomainDeps;
let browser: Browser;
let credentials: Credentials;
const pageErrors: string[] = [];

async function newPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	page.on("pageerror", (error) => pageErrors.push(error.message));
	page.on("console", (message) => {
		// A CSP refusal is reported on the console; none may happen. (The 400s the tests provoke are logged too.)
		if (message.type() === "error" && /Content Security Policy|Refused to/.test(message.text())) {
			pageErrors.push(message.text());
		}
	});
	return { context, page };
}

async function screenshot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** At 390 px the page scrolls only vertically; the screenshot is kept as an artefact. */
async function expectFitsPhone(page: Page, name: string): Promise<void> {
	await page.setViewportSize(PHONE);
	await screenshot(page, `${name}-390`);
	expect({ name, width: await page.evaluate("document.documentElement.scrollWidth") }).toEqual({
		name,
		width: PHONE.width,
	});
}

async function signIn(page: Page, credentials = OPERATOR): Promise<void> {
	await page.goto(`${server.url}/dashboard/login`);
	await page.getByLabel("Email").fill(credentials.email);
	await page.getByLabel("Password").fill(credentials.password);
	await page.getByRole("button", { name: "Sign in" }).click();
	await page.waitForURL(`${server.url}/dashboard/apps`);
}

async function rest(
	appId: string,
	method: string,
	pathname: string,
	headers: Record<string, string>,
	body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await fetch(`${server.url}${pathname}`, {
		method,
		headers: { appid: appId, "content-type": "application/json", ...headers },
		...(body !== undefined && { body: JSON.stringify(body) }),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Logs `uid` in as the SDK does (mint with the Auth Key, PUT /me for the JWT) and opens an authenticated socket. */
async function connect(app: CreatedApp, uid: string): Promise<{ token: string; client: TestClient }> {
	const minted = await rest(app.app.id, "POST", `/v3/users/${uid}/auth_tokens`, { apikey: app.authKey }, {});
	const token = (minted.body.data as { authToken: string }).authToken;
	const me = await rest(app.app.id, "PUT", "/v3.0/me", { authtoken: token }, { platform: "WEB", deviceId: "d1" });
	const jwt = (me.body.data as { jwt: string }).jwt;
	const client = await openClient(server.url.replace(/^http/, "ws"));
	client.socket.send(authFrame(app.app.id, uid, jwt));
	expect(await client.nextMessage()).toMatchObject({ type: "auth", body: { code: "200", status: "OK" } });
	return { token, client };
}

describe.skipIf(!HAVE_CHROMIUM)("dashboard lifecycle in Chromium against a real server", () => {
	beforeAll(async () => {
		mkdirSync(SCREENSHOTS, { recursive: true });
		const dataDir = makeTempDir("dashboard-lifecycle");
		store = new KyselyStore({ kind: "sqlite", filename: path.join(dataDir, "latchkey.db") });
		await store.migrate();
		deps = { store, clock: systemClock, events: noEvents };
		const port = await findFreePort();
		const config = readConfig(
			{ PORT: String(port), HOST: "127.0.0.1", LATCHKEY_DATA_DIR: dataDir, LATCHKEY_LOG_LEVEL: "silent" },
			dataDir,
		);
		// As a first start does: the first app, and its credentials.json.
		await ensureFirstApp(deps, { dataDir, publicURL: config.publicURL });
		credentials = JSON.parse(readFileSync(path.join(dataDir, "credentials.json"), "utf8")) as Credentials;
		await createOperator(deps, argon2PasswordHasher, OPERATOR);
		server = await startServer({ config, store, clock: systemClock, logger: pino({ level: "silent" }) });
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
		});
	});

	afterAll(async () => {
		await browser?.close();
		await server?.close();
		await store?.close();
		expect(pageErrors).toEqual([]);
	});

	test("the quick start shows credentials.json's App ID, region and REST base, and a snippet copies", async () => {
		const { context, page } = await newPage();
		await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
		await signIn(page);
		await page.goto(`${server.url}/dashboard/apps/${credentials.appId}`);
		const text = async (selector: string): Promise<string> =>
			((await page.locator(selector).textContent()) ?? "").trim();
		expect({
			appId: await text("#app-id"),
			region: await text("#qs-region"),
			baseURL: await text("#qs-rest-base"),
			authKey: await text("#qs-auth-key"),
		}).toEqual({
			appId: credentials.appId,
			region: credentials.region,
			baseURL: credentials.baseURL,
			authKey: `${credentials.authKey.split(".")[0]}.********`,
		});
		const content = await page.content();
		expect(content).not.toContain(credentials.restApiKey.split(".")[1]);
		expect(content).not.toContain(credentials.authKey.split(".")[1]);
		const curl = await text("#qs-curl");
		expect(curl).toContain(`curl -s -X POST "${credentials.baseURL}/users/superhero1/auth_tokens"`);
		expect(curl).toContain(`-H "appid: ${credentials.appId}"`);

		await page.getByRole("button", { name: "Copy Latchkey SDK (@latchkey/chat-sdk)" }).click();
		await page.waitForFunction('document.querySelector("[data-copy=qs-latchkey-sdk]").textContent === "Copied"');
		const copied = (await page.evaluate("navigator.clipboard.readText()")) as string;
		expect(copied).toContain(`const APP_ID = "${credentials.appId}";`);
		expect(copied).toContain(`.setRegion("${credentials.region}")`);
		await screenshot(page, "overview-desktop");
		await expectFitsPhone(page, "overview");
		await context.close();
	});

	test("a REST login shows on the overview's card and on the audit trail page, filtered by uid", async () => {
		const minted = await rest(
			credentials.appId,
			"POST",
			"/v3/users/superhero2/auth_tokens",
			{ apikey: credentials.authKey },
			{ platform: "WEB" },
		);
		expect(minted.status).toBe(200);
		const { context, page } = await newPage();
		await signIn(page);
		await page.goto(`${server.url}/dashboard/apps/${credentials.appId}`);
		const card = page.locator("section", { has: page.locator("#events") });
		await expect(card.locator('td[data-label="Subject"]', { hasText: "superhero2" }).count()).resolves.toBeGreaterThan(
			0,
		);
		await card.getByRole("link", { name: "The whole audit trail →" }).click();
		await page.waitForURL(`${server.url}/dashboard/apps/${credentials.appId}/audit`);
		await page.getByRole("searchbox", { name: "UID" }).fill("superhero2");
		await page.getByRole("combobox", { name: "Event" }).selectOption("login.succeeded");
		await page.getByRole("button", { name: "Filter" }).click();
		await page.waitForURL(/\/audit\?type=login.succeeded&uid=superhero2/);
		await expect(page.locator('td[data-label="Event"]').allTextContents()).resolves.toEqual(["login.succeeded"]);
		await screenshot(page, "audit-desktop");
		await expectFitsPhone(page, "audit");
		await context.close();
	});

	test("app rename shows the new name; delete refuses a wrong typed name, then revokes tokens and closes sockets", async () => {
		const doomed = await createApp(deps, { name: "Doomed app" });
		const device = await connect(doomed, "superhero1");
		const { context, page } = await newPage();
		await signIn(page);
		await page.goto(`${server.url}/dashboard/apps/${doomed.app.id}`);

		await page.getByLabel(/^Name/).fill("Doomed app (renamed)");
		await page.getByRole("button", { name: "Rename app" }).click();
		await page.waitForURL(`${server.url}/dashboard/apps/${doomed.app.id}?notice=app-renamed`);
		await expect(page.locator("h1").textContent()).resolves.toBe("Doomed app (renamed)");
		const renamed = "Doomed app (renamed)";

		// The dialog asks for the name; a wrong one is refused in place and nothing is sent.
		await page.getByRole("button", { name: "Delete app" }).click();
		const dialog = page.locator("#confirm-dialog");
		await expect(dialog.isVisible()).resolves.toBe(true);
		await expect(dialog.locator("#confirm-message").textContent()).resolves.toContain(
			`Delete the app ${renamed} (${doomed.app.id}) with its 5 users, 1 auth token and 2 API keys; its live socket closes.`,
		);
		await screenshot(page, "app-delete-dialog-desktop");
		await expectFitsPhone(page, "app-delete-dialog");
		await page.setViewportSize(DESKTOP);
		await dialog.getByLabel(`Type ${renamed} to confirm`).fill("Doomed app");
		await dialog.getByRole("button", { name: "Delete app" }).click();
		await expect(dialog.getByRole("alert").textContent()).resolves.toBe(`Type ${renamed} exactly to confirm.`);
		await dialog.getByRole("button", { name: "Cancel" }).click();
		expect((await rest(doomed.app.id, "GET", "/v3/me", { authtoken: device.token })).status).toBe(200);
		expect(device.client.isOpen()).toBe(true);

		// Without the dialog's script (no-JS fallback), the server answers its confirm page and a wrong name is a 400.
		await page.evaluate('document.querySelector("form[data-confirm]").removeAttribute("data-confirm")');
		await page.getByRole("button", { name: "Delete app" }).click();
		await page.waitForURL(`${server.url}/dashboard/apps/${doomed.app.id}/delete`);
		await expect(page.locator("h1").textContent()).resolves.toBe("Delete app?");
		await expectFitsPhone(page, "app-delete-confirm-page");
		await page.setViewportSize(DESKTOP);
		await page.getByLabel(`Type ${renamed} to confirm`).fill("wrong");
		const refused = page.waitForResponse(`${server.url}/dashboard/apps/${doomed.app.id}/delete`);
		await page.getByRole("button", { name: "Delete app" }).click();
		expect((await refused).status()).toBe(400);
		expect((await rest(doomed.app.id, "GET", "/v3/me", { authtoken: device.token })).status).toBe(200);

		// With the name: deleted, the token refused over REST, the socket closed.
		await page.goto(`${server.url}/dashboard/apps/${doomed.app.id}`);
		await page.getByRole("button", { name: "Delete app" }).click();
		await dialog.getByLabel(`Type ${renamed} to confirm`).fill(renamed);
		await dialog.getByRole("button", { name: "Delete app" }).click();
		await page.waitForURL(`${server.url}/dashboard/apps?notice=app-deleted`);
		await expect(page.getByRole("status").first().textContent()).resolves.toContain("The app was deleted");
		expect(await within(device.client.closed, "socket close")).toMatchObject({ code: 4001, reason: "app_deleted" });
		const after = await rest(doomed.app.id, "GET", "/v3/me", { authtoken: device.token });
		expect(after).toEqual({
			status: 401,
			body: {
				error: {
					code: "AUTH_ERR_INVALID_APPID",
					message: `The appId ${doomed.app.id} does not exist.`,
					devMessage: `The appId ${doomed.app.id} does not exist.`,
					source: "chat-api",
					details: {},
				},
			},
		});
		expect(await store.getApp(doomed.app.id)).toBeNull();
		await context.close();
	});

	test("operators: invite → the invitee signs in → remove them → their session ends; the last cannot be removed", async () => {
		const { context, page } = await newPage();
		await signIn(page);
		await page.getByRole("link", { name: "Operators" }).click();
		await page.waitForURL(`${server.url}/dashboard/operators`);
		await expect(page.getByText("The only operator cannot be removed.").count()).resolves.toBe(1);
		await expect(page.getByRole("button", { name: /^Remove operator/ }).count()).resolves.toBe(0);

		await page.getByLabel(/^Email/).fill(INVITEE.email);
		await page.getByRole("button", { name: "Create invite link" }).click();
		const link = ((await page.locator("#invite-link").textContent()) ?? "").trim();
		expect(link).toMatch(new RegExp(`^${server.url}/dashboard/invite\\?token=lkoi_[0-9a-f]{20}\\.[\\w-]{43}$`));
		await screenshot(page, "operators-invited-desktop");
		await expectFitsPhone(page, "operators-invited");

		const invitee = await newPage(PHONE);
		await invitee.page.goto(link);
		await expect(invitee.page.locator("h1").textContent()).resolves.toBe("Join this Latchkey console");
		await expectFitsPhone(invitee.page, "invite-accept");
		await invitee.page.getByLabel("Your name").fill(INVITEE.name);
		await invitee.page.getByLabel(/^Password/).fill(INVITEE.password);
		await invitee.page.getByLabel("Repeat the password").fill(INVITEE.password);
		await invitee.page.getByRole("button", { name: "Create my account and sign in" }).click();
		await invitee.page.waitForURL(`${server.url}/dashboard/apps?notice=welcome`);

		const again = await invitee.context.newPage();
		const gone = await again.goto(link);
		expect(gone?.status()).toBe(410);
		await expectFitsPhone(again, "invite-gone");
		await again.close();

		await page.setViewportSize(DESKTOP);
		await page.goto(`${server.url}/dashboard/operators`);
		await expect(page.getByRole("cell", { name: INVITEE.name }).count()).resolves.toBe(1);
		await page.getByRole("button", { name: `Remove operator ${INVITEE.email}` }).click();
		const dialog = page.locator("#confirm-dialog");
		await expect(dialog.locator("#confirm-message").textContent()).resolves.toBe(
			`Remove operator ${INVITEE.email}: they can no longer sign in, and every session of theirs ends at once.`,
		);
		await dialog.getByRole("button", { name: "Cancel" }).click();
		await invitee.page.goto(`${server.url}/dashboard/operators`);
		await expect(invitee.page.locator("h1").textContent()).resolves.toBe("Operators");

		await page.getByRole("button", { name: `Remove operator ${INVITEE.email}` }).click();
		await dialog.getByRole("button", { name: "Remove operator" }).click();
		await page.waitForURL(`${server.url}/dashboard/operators?notice=operator-removed`);
		await invitee.page.goto(`${server.url}/dashboard/apps`);
		await invitee.page.waitForURL(/\/dashboard\/login\?/);
		expect(new URL(invitee.page.url()).searchParams.get("notice")).toBe("expired");
		await expect(page.getByText("The only operator cannot be removed.").count()).resolves.toBe(1);
		await invitee.context.close();
		await context.close();
	});

	test("change password needs the current one; sign out everywhere ends every session", async () => {
		const laptop = await newPage();
		await signIn(laptop.page);
		const { context, page } = await newPage(PHONE);
		await signIn(page);
		await page.goto(`${server.url}/dashboard/operators`);
		await page.getByLabel("Current password").fill("not the current password");
		await page.getByLabel(/^New password/).fill("a new browser password");
		await page.getByLabel("Repeat the new password").fill("a new browser password");
		const wrong = page.waitForResponse(`${server.url}/dashboard/account/password`);
		await page.getByRole("button", { name: "Change password" }).click();
		expect((await wrong).status()).toBe(400);
		await expect(page.locator("#currentPassword-error").textContent()).resolves.toBe("The current password is wrong.");
		await expectFitsPhone(page, "operators-password-error");

		await page.getByLabel("Current password").fill(OPERATOR.password);
		await page.getByLabel(/^New password/).fill("a new browser password");
		await page.getByLabel("Repeat the new password").fill("a new browser password");
		await page.getByRole("button", { name: "Change password" }).click();
		await page.waitForURL(`${server.url}/dashboard/operators?notice=password-changed`);
		// The other session ended with the change; this one stays.
		await laptop.page.goto(`${server.url}/dashboard/apps`);
		await laptop.page.waitForURL(/\/dashboard\/login\?/);
		await signIn(laptop.page, { email: OPERATOR.email, password: "a new browser password" });

		await page.getByRole("button", { name: "Sign out everywhere" }).click();
		await page.waitForURL(`${server.url}/dashboard/login?notice=signed-out`);
		await laptop.page.goto(`${server.url}/dashboard/apps`);
		await laptop.page.waitForURL(/\/dashboard\/login\?/);
		expect(new URL(laptop.page.url()).searchParams.get("notice")).toBe("expired");
		await laptop.context.close();
		await context.close();
	});
});
