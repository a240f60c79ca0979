import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { callREST, findOfficialSDK, type ServerProcess, startServerProcess } from "./compat/harness.ts";

// The official SDK's browser bundle in headless Debian Chromium: Auth Key login over HTTPS/WSS from a page on
// another origin (so the CORS preflight is real), a reload that restores the session, then logout.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const sdk = findOfficialSDK(process.env);
const skip =
	"skip" in sdk ? sdk.skip : existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: the browser suite is skipped`;
if (skip) console.log(`[compat-browser] ${skip}`);
const SDK_DIR = "dir" in sdk ? sdk.dir : "";
const UID = "cc-browser";

// The page: a socket recorder (frame types only, never contents), the SDK's bundle, and four helpers the
// test calls. Plain JavaScript, because it runs in the browser.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Latchkey compat</title>
<script>
	window.__frames = [];
	const Native = window.WebSocket;
	const describe = (data) => {
		try {
			const frame = JSON.parse(String(data));
			return { type: frame.type, action: frame.action, code: frame.body && frame.body.code };
		} catch {
			return { type: "unparsed" };
		}
	};
	window.WebSocket = class extends Native {
		constructor(url, protocols) {
			super(url, protocols);
			window.__frames.push({ kind: "connecting", url: String(url) });
			this.addEventListener("message", (event) => window.__frames.push({ kind: "received", ...describe(event.data) }));
			this.addEventListener("close", (event) => window.__frames.push({ kind: "close", code: event.code }));
		}
		send(data) {
			window.__frames.push({ kind: "sent", ...describe(data) });
			super.send(data);
		}
	};
</script>
<script src="/CometChat.js"></script>
<script>
	const init = (p) => CometChat.init(p.appId, new CometChat.AppSettingsBuilder().setRegion("eu")
		.overrideAdminHost(p.host + "/v3.0").overrideClientHost(p.host + "/v3.0")
		.autoEstablishSocketConnection(true).build());
	window.__compat = {
		async login(p) {
			await init(p);
			const user = await CometChat.login(p.uid, p.authKey);
			return { uid: user.getUid(), token: user.getAuthToken() };
		},
		async restore(p) {
			await init(p);
			const user = await CometChat.getLoggedinUser();
			return user ? { uid: user.getUid(), token: user.getAuthToken() } : null;
		},
		async logout() {
			const result = await CometChat.logout();
			return { success: result.success, after: await CometChat.getLoggedinUser() };
		},
		authAccepted: () => window.__frames.some((f) => f.kind === "received" && f.type === "auth" && f.code === "200"),
		socketURL: () => (window.__frames.find((f) => f.kind === "connecting") || {}).url,
	};
</script>`;

interface Params {
	appId: string;
	host: string;
	authKey: string;
	uid: string;
}

interface Session {
	uid: string;
	token: string;
}

/** What the page exposes on `window.__compat`. */
interface PageAPI {
	__compat: {
		login(p: Params): Promise<Session>;
		restore(p: Params): Promise<Session | null>;
		logout(): Promise<{ success?: boolean; after: unknown }>;
		authAccepted(): boolean;
		socketURL(): string | undefined;
	};
}

describe.skipIf(skip !== null)("official SDK browser bundle in Chromium", { timeout: 90_000 }, () => {
	let server: ServerProcess;
	let pages: Server;
	let pageOrigin: string;
	let browser: Browser;

	beforeAll(async () => {
		server = await startServerProcess();
		const created = await callREST(server, "POST", "/v3/users", {
			key: server.credentials.restApiKey,
			body: { uid: UID, name: "Browser User" },
		});
		expect(created.status).toBe(200);
		const bundle = readFileSync(path.join(SDK_DIR, "CometChat.js"));
		// A second origin (another port) serves the page, so every API call is cross-origin.
		pages = createServer(
			{ cert: readFileSync(server.certFile), key: readFileSync(path.join(server.dataDir, "dev-key.pem")) },
			(req, res) => {
				if (req.url === "/CometChat.js") {
					res.writeHead(200, { "content-type": "text/javascript" });
					res.end(bundle);
					return;
				}
				res.writeHead(req.url === "/" ? 200 : 404, { "content-type": "text/html" });
				res.end(req.url === "/" ? PAGE : "");
			},
		);
		await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
		pageOrigin = `https://127.0.0.1:${(pages.address() as AddressInfo).port}`;
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: [
				"--no-sandbox",
				"--disable-gpu",
				"--disable-quic",
				"--no-first-run",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
				"--ignore-certificate-errors",
			],
			timeout: 30_000,
		});
	}, 90_000);

	afterAll(async () => {
		await browser?.close();
		await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
		pages?.closeAllConnections();
		await server?.stop();
	});

	test("login with the Auth Key, reload restores the session, logout kills the token", async () => {
		const context = await browser.newContext({ ignoreHTTPSErrors: true });
		const page = await context.newPage();
		const pageErrors: string[] = [];
		page.on("pageerror", (error) => pageErrors.push(error.message));
		const params: Params = {
			appId: server.credentials.appId,
			host: server.host,
			authKey: server.credentials.authKey,
			uid: UID,
		};
		await page.goto(`${pageOrigin}/`);

		// Cross-origin with the SDK's custom headers: this only resolves if the CORS preflight passed.
		const loggedIn = await page.evaluate((p) => (globalThis as unknown as PageAPI).__compat.login(p), params);
		expect(loggedIn.uid).toBe(UID);
		expect(loggedIn.token).toMatch(/^lkat_[0-9a-f]{20}\./);
		await page.waitForFunction(() => (globalThis as unknown as PageAPI).__compat.authAccepted(), undefined, {
			timeout: 15_000,
		});
		expect(await page.evaluate(() => (globalThis as unknown as PageAPI).__compat.socketURL())).toBe(
			`wss://${server.host}`,
		);

		await page.reload();
		const restored = await page.evaluate((p) => (globalThis as unknown as PageAPI).__compat.restore(p), params);
		expect(restored).toEqual(loggedIn);
		// The restored session opens its socket from storage, with the stored JWT.
		await page.waitForFunction(() => (globalThis as unknown as PageAPI).__compat.authAccepted(), undefined, {
			timeout: 15_000,
		});

		expect(await page.evaluate(() => (globalThis as unknown as PageAPI).__compat.logout())).toEqual({
			success: true,
			after: null,
		});
		const me = await callREST(server, "GET", "/v3.0/me", { token: loggedIn.token });
		expect((me.body.error as { code: string }).code).toBe("AUTH_ERR_AUTH_TOKEN_NOT_FOUND");
		expect(pageErrors).toEqual([]);
		await context.close();
	});
});
