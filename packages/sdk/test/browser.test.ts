import { existsSync } from "node:fs";
import { createServer as createHTTPServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { build } from "esbuild";
import pino from "pino";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readConfig } from "../../server/src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../../server/src/domain/apps.ts";
import { systemClock } from "../../server/src/domain/clock.ts";
import { noEvents } from "../../server/src/events/bus.ts";
import { type RunningServer, startServer } from "../../server/src/serve.ts";
import type { KyselyStore } from "../../server/src/store/kysely-store.ts";
import { openTestStore } from "../../server/test/stores.ts";

// The built SDK in headless Debian Chromium: a page on another origin (a real CORS preflight), the browser's own
// fetch, WebSocket and localStorage, a reload that restores the session, and a server-side revocation.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: the SDK browser test is skipped`;
if (skip) console.log(`[sdk-browser] ${skip}`);

// Plain JavaScript: it runs in the page. Events go to window.__events so the test can read them.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Latchkey SDK</title>
<script type="module">
	import { CometChat } from "/sdk.js";
	window.__events = [];
	const record = (name) => (arg) => window.__events.push(arg === undefined ? name : name + ":" + arg);
	CometChat.addLoginListener("page", new CometChat.LoginListener({
		loginSuccess: (user) => record("loginSuccess")(user.getUid()),
		logoutSuccess: record("logoutSuccess"),
		sessionRevoked: record("sessionRevoked"),
	}));
	CometChat.addConnectionListener("page", new CometChat.ConnectionListener({ onConnected: record("onConnected") }));
	window.__sdk = {
		init: (p) => CometChat.init(p.appId, new CometChat.AppSettingsBuilder()
			.overrideAdminHost(p.base).overrideClientHost(p.base).build()),
		login: async (p) => (await CometChat.login(p.uid, p.authKey)).getUid(),
		loggedIn: async () => (await CometChat.getLoggedinUser())?.getUid() ?? null,
		status: () => CometChat.getConnectionStatus(),
		storedKeys: () => Object.keys(localStorage),
		storedHasToken: () => Object.values(localStorage).some((value) => value.includes("lkat_")),
	};
	window.__ready = true;
</script>`;

async function getFreePort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
	const { port } = probe.address() as AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return port;
}

async function buildBundle(): Promise<string> {
	const result = await build({
		entryPoints: [new URL("../src/index.ts", import.meta.url).pathname],
		bundle: true,
		minify: true,
		format: "esm",
		platform: "browser",
		target: "es2022",
		external: ["ws", "node:*"],
		write: false,
		logLevel: "silent",
	});
	return result.outputFiles[0]?.text ?? "";
}

let store: KyselyStore;
let running: RunningServer;
let seed: CreatedApp;
let pageServer: Server;
let pageOrigin: string;
let browser: Browser;

beforeAll(async () => {
	if (skip) return;
	store = await openTestStore("sqlite");
	seed = await createLatchkeyApp({ store, clock: systemClock, events: noEvents }, { name: "Browser app" });
	const port = await getFreePort();
	const config = readConfig({ PORT: String(port), LATCHKEY_LOG_LEVEL: "silent" }, process.cwd());
	running = await startServer({ config, store, clock: systemClock, logger: pino({ level: "silent" }) });
	const bundle = await buildBundle();
	pageServer = createHTTPServer((req, res) => {
		const isSDK = req.url === "/sdk.js";
		res.writeHead(200, { "content-type": isSDK ? "text/javascript" : "text/html" });
		res.end(isSDK ? bundle : PAGE);
	});
	await new Promise<void>((resolve) => pageServer.listen(0, "127.0.0.1", () => resolve()));
	// "localhost" vs "127.0.0.1": another origin, so every API call is a cross-origin request.
	pageOrigin = `http://localhost:${(pageServer.address() as AddressInfo).port}`;
	browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

afterAll(async () => {
	if (skip) return;
	await browser?.close();
	await new Promise<void>((resolve) => pageServer?.close(() => resolve()));
	await running?.close();
	await store?.close();
});

async function openPage(page: Page): Promise<void> {
	await page.goto(pageOrigin);
	await page.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
	const params = { appId: seed.app.id, base: `http://127.0.0.1:${running.port}/v3.0` };
	await page.evaluate((p) => (window as unknown as SDKWindow).__sdk.init(p), params);
}

interface SDKWindow {
	__events: string[];
	__sdk: {
		init(p: { appId: string; base: string }): Promise<boolean>;
		login(p: { uid: string; authKey: string }): Promise<string>;
		loggedIn(): Promise<string | null>;
		status(): string;
		storedKeys(): string[];
		storedHasToken(): boolean;
	};
}

describe.skipIf(skip !== null)("in Chromium", () => {
	test("logs in cross-origin, connects, restores after a reload from localStorage, and hears a revocation", async () => {
		const page = await browser.newPage();
		await openPage(page);
		const uid = await page.evaluate((p) => (window as unknown as SDKWindow).__sdk.login(p), {
			uid: "superhero1",
			authKey: seed.authKey,
		});
		expect(uid).toBe("superhero1");
		await page.waitForFunction(() => (window as unknown as SDKWindow).__sdk.status() === "connected");
		expect(await page.evaluate(() => (window as unknown as SDKWindow).__sdk.storedKeys())).toEqual([
			`latchkey-chat-sdk:${seed.app.id}`,
		]);

		await page.reload();
		await openPage(page);
		expect(await page.evaluate(() => (window as unknown as SDKWindow).__sdk.loggedIn())).toBe("superhero1");
		await page.waitForFunction(() => (window as unknown as SDKWindow).__sdk.status() === "connected");

		const res = await fetch(`http://127.0.0.1:${running.port}/v3.0/users/superhero1/auth_tokens`, {
			method: "DELETE",
			headers: { appid: seed.app.id, apikey: seed.restApiKey },
		});
		expect(res.status).toBe(200);
		await page.waitForFunction(() => (window as unknown as SDKWindow).__events.includes("logoutSuccess"));
		expect(await page.evaluate(() => (window as unknown as SDKWindow).__events)).toEqual([
			"onConnected",
			"sessionRevoked:revoked",
			"logoutSuccess",
		]);
		expect(await page.evaluate(() => (window as unknown as SDKWindow).__sdk.loggedIn())).toBeNull();
		expect(await page.evaluate(() => (window as unknown as SDKWindow).__sdk.storedHasToken())).toBe(false);
		await page.close();
	});
});
