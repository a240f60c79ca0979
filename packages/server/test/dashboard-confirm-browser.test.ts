import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp } from "../src/domain/apps.ts";
import { createAuthToken } from "../src/domain/auth-tokens.ts";
import { systemClock } from "../src/domain/clock.ts";
import type { DomainDeps } from "../src/domain/deps.ts";
import { argon2PasswordHasher } from "../src/domain/operator-passwords.ts";
import { createOperator } from "../src/domain/operators.ts";
import { createUser } from "../src/domain/users.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { makeTempDir, SERVER_ROOT } from "./process.ts";

// Issue 17 in Chromium: every destructive action asks first (Cancel changes nothing, checked over REST; confirming
// does it), the no-JS confirm page, the typed name for the last fullAccess key, one-time secrets after a redirect,
// deactivated users, uid `new`, the favicon, and every page touched at 390 px without horizontal scroll.

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = path.join(SERVER_ROOT, "test-results", "dashboard-confirm");
const OPERATOR = { email: "confirm@example.test", password: "a confirm-tested password" };
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

if (!HAVE_CHROMIUM) console.warn(`dashboard-confirm-browser: skipped, no Chromium at ${CHROMIUM}`);

let server: RunningServer;
let store: KyselyStore;
let deps: DomainDeps;
let browser: Browser;
let app: CreatedApp;
/** Native alert/confirm dialogs: there must be none (the console's own <dialog> is not one). */
const nativeDialogs: string[] = [];
/** Every 404 a page's resources got (the favicon was one on every page). */
const notFound: string[] = [];

async function newPage(options: { viewport?: typeof DESKTOP; javaScript?: boolean } = {}): Promise<{
	context: BrowserContext;
	page: Page;
}> {
	const context = await browser.newContext({
		viewport: options.viewport ?? DESKTOP,
		javaScriptEnabled: options.javaScript ?? true,
	});
	const page = await context.newPage();
	page.on("dialog", (dialog) => {
		nativeDialogs.push(dialog.message());
		void dialog.dismiss();
	});
	page.on("response", (response) => {
		// Pages may be 404 on purpose (an unknown app); what they load (style, script, icon) may not.
		if (response.status() === 404 && response.request().resourceType() !== "document") notFound.push(response.url());
	});
	await page.goto(`${server.url}/dashboard/login`);
	await page.getByLabel("Email").fill(OPERATOR.email);
	await page.getByLabel("Password").fill(OPERATOR.password);
	await page.getByRole("button", { name: "Sign in" }).click();
	await page.waitForURL(`${server.url}/dashboard/apps`);
	return { context, page };
}

async function screenshot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function rest(
	method: string,
	pathname: string,
	options: { key?: string; token?: string; body?: unknown; appId?: string } = {},
): Promise<Response> {
	const headers: Record<string, string> = { appid: options.appId ?? app.app.id };
	if (options.key) headers.apikey = options.key;
	if (options.token) headers.authtoken = options.token;
	if (options.body !== undefined) headers["content-type"] = "application/json";
	return await fetch(`${server.url}${pathname}`, {
		method,
		headers,
		...(options.body !== undefined && { body: JSON.stringify(options.body) }),
	});
}

async function me(token: string): Promise<number> {
	return (await rest("GET", "/v3.0/me", { token })).status;
}

function userURL(uid: string, rest = ""): string {
	return `${server.url}/dashboard/apps/${app.app.id}/users/${uid}${rest}`;
}

async function dialogText(page: Page): Promise<string> {
	return ((await page.locator("#confirm-message").textContent()) ?? "").trim();
}

async function noHorizontalScroll(page: Page): Promise<number> {
	return Number(await page.evaluate("document.documentElement.scrollWidth"));
}

describe.skipIf(!HAVE_CHROMIUM)("dashboard confirmations in Chromium against a real server", () => {
	beforeAll(async () => {
		mkdirSync(SCREENSHOTS, { recursive: true });
		const dataDir = makeTempDir("dashboard-confirm-browser");
		store = new KyselyStore({ kind: "sqlite", filename: path.join(dataDir, "latchkey.db") });
		await store.migrate();
		deps = { store, clock: systemClock, events: noEvents };
		app = await createApp(deps, { name: "Confirm App" });
		await createOperator(deps, argon2PasswordHasher, OPERATOR);
		const config = readConfig({ PORT: "0", LATCHKEY_DATA_DIR: dataDir, LATCHKEY_LOG_LEVEL: "silent" }, dataDir);
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
		expect(nativeDialogs).toEqual([]);
		expect(notFound).toEqual([]);
	});

	test("revoke one token and revoke all: Cancel keeps the tokens, confirming revokes them", async () => {
		await createUser(deps, app.app.id, { uid: "alice", name: "Alice" });
		const tokens = [
			await createAuthToken(deps, app.app.id, "alice"),
			await createAuthToken(deps, app.app.id, "alice"),
			await createAuthToken(deps, app.app.id, "alice"),
		];
		const { context, page } = await newPage();
		await page.goto(userURL("alice"));

		await page.getByRole("button", { name: `Revoke token ${tokens[0]?.token.id}` }).click();
		await expect(page.getByRole("dialog").isVisible()).resolves.toBe(true);
		expect(await dialogText(page)).toMatch(/^Revoke token lkat_[0-9a-f]{20}\.\*{8} of alice\./);
		await screenshot(page, "revoke-token-dialog-desktop");
		await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
		await expect(page.getByRole("dialog").isVisible()).resolves.toBe(false);
		for (const token of tokens) expect(await me(token.plaintext)).toBe(200);

		await page.getByRole("button", { name: `Revoke token ${tokens[0]?.token.id}` }).click();
		await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
		await page.waitForURL(userURL("alice", "?notice=token-revoked"));
		expect(await me(tokens[0]?.plaintext ?? "")).toBe(401);
		expect(await me(tokens[1]?.plaintext ?? "")).toBe(200);

		await page.getByRole("button", { name: "Revoke all tokens of alice" }).click();
		expect(await dialogText(page)).toBe(
			"Revoke 2 tokens of alice; they have no live sockets. Clients using them are signed out.",
		);
		await page.keyboard.press("Escape");
		await expect(page.getByRole("dialog").isVisible()).resolves.toBe(false);
		expect(await me(tokens[1]?.plaintext ?? "")).toBe(200);
		await page.getByRole("button", { name: "Revoke all tokens of alice" }).click();
		await page.getByRole("dialog").getByRole("button", { name: "Revoke all tokens" }).click();
		await page.waitForURL(userURL("alice", "?notice=tokens-flushed"));
		for (const token of tokens) expect(await me(token.plaintext)).toBe(401);
		await context.close();
	});

	test("deactivate, then the Deactivated filter, Reactivate, and the user logs in again over REST", async () => {
		await createUser(deps, app.app.id, { uid: "bob", name: "Bob" });
		const { context, page } = await newPage();
		await page.goto(userURL("bob"));
		await page.getByRole("button", { name: "Deactivate user" }).click();
		await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
		expect((await rest("GET", "/v3/users/bob", { key: app.restApiKey })).status).toBe(200);

		await page.getByRole("button", { name: "Deactivate user" }).click();
		expect(await dialogText(page)).toContain("Deactivate bob: their 0 auth tokens stop working");
		await page.getByRole("dialog").getByRole("button", { name: "Deactivate user" }).click();
		await page.waitForURL(/\/users\?notice=user-deactivated&status=deactivated$/);
		expect((await rest("GET", "/v3/users/bob", { key: app.restApiKey })).status).toBe(404);
		const login = { key: app.restApiKey, body: {} };
		expect((await rest("POST", "/v3/users/bob/auth_tokens", login)).status).toBe(404);

		await page.getByRole("link", { name: "Active", exact: true }).click();
		await expect(page.getByRole("link", { name: "Bob", exact: true }).count()).resolves.toBe(0);
		await page.getByRole("link", { name: "Deactivated", exact: true }).click();
		await screenshot(page, "users-deactivated-desktop");
		await page.getByRole("link", { name: "Bob", exact: true }).click();
		await expect(page.getByRole("status").first().textContent()).resolves.toContain("This user is deactivated");
		await screenshot(page, "user-deactivated-desktop");
		await page.getByRole("button", { name: "Reactivate bob" }).click();
		await page.waitForURL(userURL("bob", "?notice=user-reactivated"));
		const again = await rest("POST", "/v3/users/bob/auth_tokens", login);
		expect(again.status).toBe(200);
		const token = ((await again.json()) as { data: { authToken: string } }).data.authToken;
		expect(await me(token)).toBe(200);
		await context.close();
	});

	test("delete permanently: Cancel keeps the uid taken, confirming frees it", async () => {
		await createUser(deps, app.app.id, { uid: "carol", name: "Carol" });
		const { context, page } = await newPage();
		await page.goto(userURL("carol"));
		await page.getByRole("button", { name: "Delete carol permanently" }).click();
		expect(await dialogText(page)).toBe(
			"Delete carol permanently, with their 0 auth tokens; they have no live sockets. The uid becomes free. This cannot be undone.",
		);
		await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
		expect((await rest("GET", "/v3/users/carol", { key: app.restApiKey })).status).toBe(200);
		await page.getByRole("button", { name: "Delete carol permanently" }).click();
		await page.getByRole("dialog").getByRole("button", { name: "Delete permanently" }).click();
		await page.waitForURL(/\/users\?notice=user-deleted$/);
		const create = await rest("POST", "/v3/users", { key: app.restApiKey, body: { uid: "carol", name: "Carol 2" } });
		expect(create.status).toBe(200);
		await context.close();
	});

	test("delete key: Cancel keeps it; the last fullAccess key needs its name typed", async () => {
		const other = await createApp(deps, { name: "Keys App", skipSampleData: true });
		const { context, page } = await newPage();
		const keysURL = `${server.url}/dashboard/apps/${other.app.id}/keys`;
		await page.goto(keysURL);
		const works = async (key: string): Promise<number> =>
			(await rest("GET", "/v3/users", { key, appId: other.app.id })).status;
		const keys = await store.listApiKeys(other.app.id, { limit: 10, offset: 0 });
		const restName = keys.items.find((key) => key.scope === "fullAccess")?.name ?? "?";
		const authName = keys.items.find((key) => key.scope === "authOnly")?.name ?? "?";

		await page.getByRole("button", { name: `Delete key ${authName}`, exact: true }).click();
		await expect(page.locator("#confirm-typed").isVisible()).resolves.toBe(false);
		await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
		const authLogin = await rest("POST", "/v3/users", {
			key: other.authKey,
			appId: other.app.id,
			body: { uid: "dave", name: "Dave" },
		});
		expect(authLogin.status).toBe(200);

		await page.getByRole("button", { name: `Delete key ${restName}`, exact: true }).click();
		expect(await dialogText(page)).toContain("It is the app's last fullAccess key");
		await expect(page.getByLabel(`Type ${restName} to confirm`, { exact: true }).isVisible()).resolves.toBe(true);
		await screenshot(page, "delete-last-key-dialog-desktop");
		await page.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
		await expect(page.getByRole("dialog").getByRole("alert").textContent()).resolves.toBe(
			`Type ${restName} exactly to confirm.`,
		);
		await page.getByLabel(`Type ${restName} to confirm`, { exact: true }).fill(restName.toLowerCase());
		await page.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
		await expect(page.getByRole("dialog").isVisible()).resolves.toBe(true);
		expect(await works(other.restApiKey)).toBe(200);
		await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
		expect(await works(other.restApiKey)).toBe(200);

		await page.getByRole("button", { name: `Delete key ${restName}`, exact: true }).click();
		await page.getByLabel(`Type ${restName} to confirm`, { exact: true }).fill(restName);
		await page.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
		await page.waitForURL(`${keysURL}?notice=key-deleted`);
		expect(await works(other.restApiKey)).toBe(401);
		await context.close();
	});

	test("without JavaScript the form posts to a confirm page; nothing happens until it is confirmed", async () => {
		await createUser(deps, app.app.id, { uid: "erin", name: "Erin" });
		const token = await createAuthToken(deps, app.app.id, "erin");
		const { context, page } = await newPage({ viewport: PHONE, javaScript: false });
		await page.goto(userURL("erin"));
		await page.getByRole("button", { name: "Revoke all tokens of erin" }).click();
		await page.waitForURL(userURL("erin", "/tokens/flush"));
		await expect(page.locator("h1").textContent()).resolves.toBe("Revoke all tokens?");
		expect(await dialogText(page)).toBe(
			"Revoke 1 token of erin; they have no live sockets. Clients using them are signed out.",
		);
		await screenshot(page, "confirm-page-nojs-390");
		expect(await noHorizontalScroll(page)).toBeLessThanOrEqual(PHONE.width);
		expect(await me(token.plaintext)).toBe(200);
		await page.getByRole("link", { name: "Cancel" }).click();
		await page.waitForURL(userURL("erin"));
		expect(await me(token.plaintext)).toBe(200);

		await page.getByRole("button", { name: "Revoke all tokens of erin" }).click();
		await page.getByRole("button", { name: "Revoke all tokens" }).click();
		await page.waitForURL(userURL("erin", "?notice=tokens-flushed"));
		expect(await me(token.plaintext)).toBe(401);
		await context.close();
	});

	test("a minted token is shown once; reloading shows no secret and mints no second token", async () => {
		await createUser(deps, app.app.id, { uid: "frank", name: "Frank" });
		const { context, page } = await newPage();
		await page.goto(userURL("frank"));
		await page.getByRole("button", { name: "Mint token" }).click();
		await page.waitForURL(/\/users\/frank\?notice=token-minted&flash=[\w-]{22}$/);
		const token = ((await page.locator("#new-auth-token").textContent()) ?? "").trim();
		expect(token).toMatch(/^lkat_[0-9a-f]{20}\.[\w-]{43}$/);
		await screenshot(page, "user-token-minted-desktop");
		await page.reload();
		await expect(page.locator("#new-auth-token").count()).resolves.toBe(0);
		expect(await page.content()).not.toContain(token.split(".")[1]);
		const list = await rest("GET", "/v3/users/frank/auth_tokens", { key: app.restApiKey });
		expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);
		expect(await me(token)).toBe(200);
		await context.close();
	});

	test("the uid new opens its own page; the favicon is served", async () => {
		const { context, page } = await newPage();
		await page.goto(`${server.url}/dashboard/apps/${app.app.id}/users`);
		await page.getByRole("link", { name: "New user" }).click();
		await page.getByLabel("UID").fill("new");
		await page.getByLabel("Name").fill("Newton");
		await page.getByRole("button", { name: "Create user" }).click();
		await page.waitForURL(userURL("new", "?notice=user-created"));
		await expect(page.locator("h1").textContent()).resolves.toBe("Newton");
		await page.goto(userURL("new"));
		await expect(page.locator("h1").textContent()).resolves.toBe("Newton");
		const icon = await page.request.get(`${server.url}/dashboard/favicon.ico`);
		expect(icon.status()).toBe(200);
		await context.close();
	});

	test("every page touched fits 390 px: no horizontal scroll, one-line header, the search placeholder whole", async () => {
		await createUser(deps, app.app.id, { uid: "gina", name: "Gina" });
		await createAuthToken(deps, app.app.id, "gina");
		const { context, page } = await newPage({ viewport: PHONE });
		const base = `${server.url}/dashboard/apps/${app.app.id}`;
		const pages: Array<[string, string]> = [
			["apps", `${server.url}/dashboard/apps`],
			["users", `${base}/users`],
			["users-deactivated", `${base}/users?status=deactivated`],
			["new-user", `${base}/new-user`],
			["user", userURL("gina")],
			["user-deactivated", userURL("bob")],
			["keys", `${base}/keys`],
			["security", `${base}/security`],
			["app-not-found", `${server.url}/dashboard/apps/0000000000000000`],
		];
		for (const [name, url] of pages) {
			const response = await page.goto(url);
			expect([name, response?.status()]).toEqual([name, name === "app-not-found" ? 404 : 200]);
			await screenshot(page, `${name}-390`);
			expect(await noHorizontalScroll(page), name).toBeLessThanOrEqual(PHONE.width);
			// One line: the header bar is as tall as its tallest item plus its padding, not two rows.
			const headerHeight = Number(await page.evaluate('document.querySelector("header.top .bar").offsetHeight'));
			expect(headerHeight, name).toBeLessThanOrEqual(60);
		}
		await page.goto(`${base}/users`);
		const fits = await page.evaluate(`(() => {
			const input = document.querySelector("#q");
			const style = getComputedStyle(input);
			const context = document.createElement("canvas").getContext("2d");
			context.font = style.font;
			const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
			return context.measureText(input.placeholder).width <= room;
		})()`);
		expect(fits).toBe(true);

		await page.goto(userURL("gina"));
		await page.getByRole("button", { name: "Revoke all tokens of gina" }).click();
		await screenshot(page, "revoke-all-dialog-390");
		const dialogWidth = Number(await page.evaluate('document.querySelector("dialog").getBoundingClientRect().right'));
		expect(dialogWidth).toBeLessThanOrEqual(PHONE.width);
		await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
		await context.close();
	});
});
