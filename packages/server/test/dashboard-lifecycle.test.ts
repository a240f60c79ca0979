import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, test } from "vitest";
import { CONFIRM_SCRIPT, CONFIRM_SCRIPT_HASH } from "../src/dashboard/confirm-script.ts";
import { FLASH_TTL_MS } from "../src/dashboard/flash.ts";
import { getApp } from "../src/domain/apps.ts";
import { createAuthToken } from "../src/domain/auth-tokens.ts";
import { updateSecuritySettings } from "../src/domain/security.ts";
import { createTokenCipher } from "../src/domain/token-cipher.ts";
import { createUser } from "../src/domain/users.ts";
import { createWebApp } from "../src/web-app.ts";
import { createDashboardHarness, type DashboardHarness, TestBrowser } from "./dashboard-support.ts";
import { DIALECTS } from "./stores.ts";

// Issue 17, the safe-actions half: confirmations, POST → 303 → GET with one-time flashes, deactivated users.

let h: DashboardHarness;
afterEach(async () => {
	await h.close();
});

interface SignedIn {
	browser: TestBrowser;
	csrf: string;
	base: string;
}

async function signedIn(
	options: { dialect?: "sqlite" | "postgres"; sockets?: Record<string, number> } = {},
): Promise<SignedIn> {
	h = await createDashboardHarness(options.dialect ? { dialect: options.dialect } : {});
	let app = h.dashboardApp;
	if (options.sockets) {
		const sockets = options.sockets;
		app = createWebApp({
			...h.dashboardDeps,
			dashboard: { ...h.dashboardDeps.dashboard, liveSocketCount: (_appId, uid) => sockets[uid ?? ""] ?? 0 },
		});
	}
	const browser = new TestBrowser(app);
	const csrf = await browser.signIn();
	return { browser, csrf, base: `/dashboard/apps/${h.seed.app.id}` };
}

async function me(token: string): Promise<number> {
	return (await h.call("GET", "/v3.0/me", { token })).status;
}

function mintedOf(page: string): string | null {
	return /id="new-auth-token"[^>]*>([^<]+)</.exec(page)?.[1] ?? null;
}

/** The text of the confirm page's message paragraph, entities decoded. */
function confirmMessageOf(page: string): string | null {
	const escaped = /<p id="confirm-message">([^<]*)<\/p>/.exec(page)?.[1];
	return escaped === undefined
		? null
		: escaped.replaceAll("&#39;", "'").replaceAll("&quot;", '"').replaceAll("&amp;", "&");
}

describe("confirmation of destructive actions (no JS: the confirm page)", () => {
	test("revoke all: without confirm=1 the POST answers the confirm page, naming counts, and revokes nothing", async () => {
		const { browser, csrf, base } = await signedIn({ sockets: { superhero3: 2 } });
		const tokens = [
			await createAuthToken(h.deps, h.seed.app.id, "superhero3"),
			await createAuthToken(h.deps, h.seed.app.id, "superhero3"),
			await createAuthToken(h.deps, h.seed.app.id, "superhero3"),
		];
		const res = await browser.post(`${base}/users/superhero3/tokens/flush`, { _csrf: csrf });
		expect(res.status).toBe(200);
		const page = await res.text();
		expect(confirmMessageOf(page)).toBe(
			"Revoke 3 tokens of superhero3; their 2 live sockets close. Clients using them are signed out.",
		);
		expect(page).toContain('<input type="hidden" name="confirm" value="1">');
		expect(page).toContain(`action="${base}/users/superhero3/tokens/flush"`);
		for (const token of tokens) expect(await me(token.plaintext)).toBe(200);
		expect(h.eventsOf("token.revoked")).toEqual([]);

		const done = await browser.post(`${base}/users/superhero3/tokens/flush`, { _csrf: csrf, confirm: "1" });
		expect(done.status).toBe(303);
		expect(done.headers.get("location")).toBe(`${base}/users/superhero3?notice=tokens-flushed`);
		for (const token of tokens) expect(await me(token.plaintext)).toBe(401);
	});

	test("the user's page carries the same sentence for the dialog as the confirm page shows", async () => {
		const { browser, base } = await signedIn({ sockets: { superhero3: 1 } });
		await createAuthToken(h.deps, h.seed.app.id, "superhero3");
		const page = await (await browser.get(`${base}/users/superhero3`)).text();
		expect(page).toContain(
			`data-confirm="Revoke 1 token of superhero3; their 1 live socket closes. Clients using them are signed out." data-confirm-label="Revoke all tokens"`,
		);
		expect(page).toContain(`<script src="/dashboard/confirm.js" integrity="${CONFIRM_SCRIPT_HASH}" defer></script>`);
	});

	test("revoke one token: confirm page first, then only that token goes", async () => {
		const { browser, csrf, base } = await signedIn();
		const token = await createAuthToken(h.deps, h.seed.app.id, "superhero2");
		const other = await createAuthToken(h.deps, h.seed.app.id, "superhero2");
		const path = `${base}/users/superhero2/tokens/${token.token.id}/revoke`;
		const page = await (await browser.post(path, { _csrf: csrf })).text();
		expect(confirmMessageOf(page)).toMatch(
			/^Revoke token lkat_[0-9a-f]{20}\.\*{8} of superhero2\. Clients using it are signed out and their sockets close; the user's other tokens keep working\.$/,
		);
		expect(await me(token.plaintext)).toBe(200);
		const res = await browser.post(path, { _csrf: csrf, confirm: "1" });
		expect(res.status).toBe(303);
		expect(await me(token.plaintext)).toBe(401);
		expect(await me(other.plaintext)).toBe(200);
	});

	test("deactivate and delete permanently each need confirm=1", async () => {
		const { browser, csrf, base } = await signedIn({ sockets: { superhero4: 0 } });
		const token = await createAuthToken(h.deps, h.seed.app.id, "superhero4");
		const soft = await browser.post(`${base}/users/superhero4/delete`, { _csrf: csrf });
		expect(soft.status).toBe(200);
		expect(confirmMessageOf(await soft.text())).toBe(
			"Deactivate superhero4: their 1 auth token stops working and they have no live sockets. The uid stays taken; the user can be reactivated from the Deactivated list.",
		);
		const hard = await browser.post(`${base}/users/superhero5/delete`, { _csrf: csrf, permanent: "1" });
		expect(hard.status).toBe(200);
		const hardPage = await hard.text();
		expect(confirmMessageOf(hardPage)).toBe(
			"Delete superhero5 permanently, with their 0 auth tokens; they have no live sockets. The uid becomes free. This cannot be undone.",
		);
		expect(hardPage).toContain('<input type="hidden" name="permanent" value="1">');
		expect((await h.store.getUser(h.seed.app.id, "superhero4"))?.deactivatedAt).toBeNull();
		expect(await h.store.getUser(h.seed.app.id, "superhero5")).not.toBeNull();
		expect(await me(token.plaintext)).toBe(200);

		const softDone = await browser.post(`${base}/users/superhero4/delete`, { _csrf: csrf, confirm: "1" });
		expect(softDone.headers.get("location")).toBe(`${base}/users?notice=user-deactivated&status=deactivated`);
		expect(await me(token.plaintext)).toBe(401);
		const hardDone = await browser.post(`${base}/users/superhero5/delete`, {
			_csrf: csrf,
			permanent: "1",
			confirm: "1",
		});
		expect(hardDone.headers.get("location")).toBe(`${base}/users?notice=user-deleted`);
		expect(await h.store.getUser(h.seed.app.id, "superhero5")).toBeNull();
	});

	test("deleting a key asks for confirmation; the app's last fullAccess key needs its name typed", async () => {
		const { browser, csrf, base } = await signedIn();
		const keys = await h.store.listApiKeys(h.seed.app.id, { limit: 10, offset: 0 });
		const rest = keys.items.find((key) => key.scope === "fullAccess");
		const auth = keys.items.find((key) => key.scope === "authOnly");
		if (!rest || !auth) throw new Error("the seed app has a REST API Key and an Auth Key");

		// An authOnly key: confirm=1 is enough.
		const authPath = `${base}/keys/${auth.id}/delete`;
		expect(await (await browser.post(authPath, { _csrf: csrf })).text()).not.toContain('name="confirmName"');
		expect((await browser.post(authPath, { _csrf: csrf, confirm: "1" })).status).toBe(303);

		// The last fullAccess key: the confirm page asks for its name; confirm=1 alone or a wrong name does nothing.
		const restPath = `${base}/keys/${rest.id}/delete`;
		const page = await (await browser.post(restPath, { _csrf: csrf })).text();
		expect(page).toContain(`<label for="confirmName">Type ${rest.name} to confirm</label>`);
		expect(confirmMessageOf(page)).toContain("It is the app's last fullAccess key");
		const bare = await browser.post(restPath, { _csrf: csrf, confirm: "1" });
		expect(bare.status).toBe(400);
		expect(await bare.text()).toContain(`The name typed was not ${rest.name}; nothing was changed.`);
		const wrong = await browser.post(restPath, { _csrf: csrf, confirm: "1", confirmName: `${rest.name} ` });
		expect(wrong.status).toBe(400);
		expect((await h.call("GET", "/v3/users", { key: h.seed.restApiKey })).status).toBe(200);

		const done = await browser.post(restPath, { _csrf: csrf, confirm: "1", confirmName: rest.name });
		expect(done.status).toBe(303);
		expect(done.headers.get("location")).toBe(`${base}/keys?notice=key-deleted`);
		expect((await h.call("GET", "/v3/users", { key: h.seed.restApiKey })).status).toBe(401);
	});

	test("a fullAccess key that is not the last one needs no typed name", async () => {
		const { browser, csrf, base } = await signedIn();
		await browser.post(`${base}/keys`, { _csrf: csrf, name: "Second", scope: "fullAccess" });
		const keys = await h.store.listApiKeys(h.seed.app.id, { limit: 10, offset: 0 });
		const rest = keys.items.find((key) => key.scope === "fullAccess" && key.name !== "Second");
		const res = await browser.post(`${base}/keys/${rest?.id}/delete`, { _csrf: csrf, confirm: "1" });
		expect(res.status).toBe(303);
	});

	test("a confirmed POST without the CSRF token is still refused", async () => {
		const { browser, base } = await signedIn();
		const token = await createAuthToken(h.deps, h.seed.app.id, "superhero1");
		const res = await browser.post(`${base}/users/superhero1/tokens/flush`, { confirm: "1" });
		expect(res.status).toBe(403);
		expect(await me(token.plaintext)).toBe(200);
	});

	test("confirm.js is served as the script the CSP's hash allows", async () => {
		const { browser } = await signedIn();
		const res = await browser.get("/dashboard/confirm.js");
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
		expect(await res.text()).toBe(CONFIRM_SCRIPT);
		const page = await browser.get("/dashboard/apps");
		expect(page.headers.get("content-security-policy")).toContain(`'${CONFIRM_SCRIPT_HASH}'`);
		expect(page.headers.get("content-security-policy")).not.toContain("unsafe-inline");
	});
});

describe.each(DIALECTS)("one-time secrets after POST → 303 → GET (%s)", (dialect) => {
	test("a minted token is shown once on the landing page; a reload shows nothing and mints nothing", async () => {
		const { browser, csrf, base } = await signedIn({ dialect });
		const res = await browser.post(`${base}/users/superhero2/tokens`, { _csrf: csrf, platform: "WEB" });
		expect(res.status).toBe(303);
		const location = res.headers.get("location") ?? "";
		expect(location).toMatch(new RegExp(`^${base}/users/superhero2\\?notice=token-minted&flash=[\\w-]{22}$`));
		const page = await (await browser.get(location)).text();
		const token = mintedOf(page);
		expect(token).toMatch(/^lkat_[0-9a-f]{20}\.[\w-]{43}$/);
		expect(await me(token ?? "")).toBe(200);

		const reload = await (await browser.get(location)).text();
		expect(mintedOf(reload)).toBeNull();
		expect(reload).not.toContain((token ?? "").split(".")[1]);
		expect((await h.store.listAuthTokens(h.seed.app.id, "superhero2", { limit: 10, offset: 0 })).total).toBe(1);
	});

	test("the flash is stored sealed, and only its own session can read it", async () => {
		const { browser, csrf, base } = await signedIn({ dialect });
		const res = await browser.post(`${base}/users/superhero2/tokens`, { _csrf: csrf });
		const location = res.headers.get("location") ?? "";
		const rows = await h.store.db.selectFrom("dashboard_flashes").selectAll().execute();
		expect(rows).toHaveLength(1);
		const tokens = await h.store.listAuthTokens(h.seed.app.id, "superhero2", { limit: 10, offset: 0 });
		expect(rows[0]?.sealed).not.toContain(tokens.items[0]?.id ?? "?");

		// Another operator session (same operator, second sign-in) gets nothing, and does not use it up.
		const other = h.browser();
		await other.signIn();
		expect(mintedOf(await (await other.get(location)).text())).toBeNull();
		expect(mintedOf(await (await browser.get(location)).text())).toMatch(/^lkat_/);
	});

	test("two tabs loading the landing page at once: exactly one shows the token", async () => {
		const { browser, csrf, base } = await signedIn({ dialect });
		const res = await browser.post(`${base}/users/superhero2/tokens`, { _csrf: csrf });
		const location = res.headers.get("location") ?? "";
		const pages = await Promise.all([browser.get(location), browser.get(location), browser.get(location)]);
		const shown = await Promise.all(pages.map(async (page) => mintedOf(await page.text())));
		expect(shown.filter((token) => token !== null)).toHaveLength(1);
	});

	test("signing out deletes the session's flashes", async () => {
		const { browser, csrf, base } = await signedIn({ dialect });
		await browser.post(`${base}/users/superhero2/tokens`, { _csrf: csrf });
		expect(await h.store.db.selectFrom("dashboard_flashes").selectAll().execute()).toHaveLength(1);
		expect((await browser.post("/dashboard/logout", { _csrf: csrf })).status).toBe(303);
		expect(await h.store.db.selectFrom("dashboard_flashes").selectAll().execute()).toEqual([]);
	});

	test("a flash expires after five minutes unread", async () => {
		const { browser, csrf, base } = await signedIn({ dialect });
		const res = await browser.post(`${base}/keys`, { _csrf: csrf, name: "Late", scope: "authOnly" });
		expect(res.status).toBe(303);
		const location = res.headers.get("location") ?? "";
		expect(location).toMatch(new RegExp(`^${base}/keys\\?notice=key-created&flash=[\\w-]{22}$`));
		h.clock.advance(FLASH_TTL_MS);
		const page = await (await browser.get(location)).text();
		expect(page).not.toContain('id="new-api-key"');
		expect(page).toContain("The API key was created.");
	});

	test("a new API key is shown once after the redirect, and works", async () => {
		const { browser, csrf, base } = await signedIn({ dialect });
		const res = await browser.post(`${base}/keys`, { _csrf: csrf, name: "Backend", scope: "fullAccess" });
		const location = res.headers.get("location") ?? "";
		const page = await (await browser.get(location)).text();
		const key = /id="new-api-key"[^>]*>([^<]+)</.exec(page)?.[1] ?? "";
		expect(key).toMatch(/^lkak_[0-9a-f]{20}\./);
		expect(page).toContain("Key “Backend” created");
		expect((await h.call("GET", "/v3/users", { key })).status).toBe(200);
		expect(await (await browser.get(location)).text()).not.toContain(key.split(".")[1]);
		expect((await h.store.listApiKeys(h.seed.app.id, { limit: 50, offset: 0 })).total).toBe(3);
	});
});

describe("users: deactivated filter, reactivation, status, uid new", () => {
	test("a deactivated user is listed under Deactivated, has a page that says so, and reactivates", async () => {
		const { browser, csrf, base } = await signedIn();
		const token = await createAuthToken(h.deps, h.seed.app.id, "superhero1");
		await browser.post(`${base}/users/superhero1/delete`, { _csrf: csrf, confirm: "1" });

		const active = await (await browser.get(`${base}/users`)).text();
		expect(active).not.toContain(`href="${base}/users/superhero1"`);
		const deactivated = await (await browser.get(`${base}/users?status=deactivated`)).text();
		expect(deactivated).toContain(`href="${base}/users/superhero1"`);
		expect(deactivated).not.toContain(`href="${base}/users/superhero2"`);
		expect(deactivated).toContain('<span class="badge off">deactivated</span>');

		const page = await browser.get(`${base}/users/superhero1`);
		expect(page.status).toBe(200);
		const text = await page.text();
		expect(text).toContain("This user is deactivated");
		expect(text).not.toContain("does not exist");
		expect(text).toContain(`action="${base}/users/superhero1/reactivate"`);

		const res = await browser.post(`${base}/users/superhero1/reactivate`, { _csrf: csrf });
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe(`${base}/users/superhero1?notice=user-reactivated`);
		expect(await me(token.plaintext)).toBe(200);
		const login = await h.call("POST", "/v3/users/superhero1/auth_tokens", { key: h.seed.restApiKey, body: {} });
		expect(login.status).toBe(200);
	});

	test("reactivating an active or unknown user is 404 and changes nothing", async () => {
		const { browser, csrf, base } = await signedIn();
		expect((await browser.post(`${base}/users/superhero1/reactivate`, { _csrf: csrf })).status).toBe(404);
		expect((await browser.post(`${base}/users/nobody/reactivate`, { _csrf: csrf })).status).toBe(404);
		expect(h.eventsOf("user.reactivated")).toEqual([]);
	});

	test("a deactivated user can be deleted permanently (confirmed), freeing the uid", async () => {
		const { browser, csrf, base } = await signedIn();
		await browser.post(`${base}/users/superhero1/delete`, { _csrf: csrf, confirm: "1" });
		const again = await browser.post(`${base}/users/superhero1/delete`, { _csrf: csrf, confirm: "1" });
		expect(again.status).toBe(404);
		const res = await browser.post(`${base}/users/superhero1/delete`, { _csrf: csrf, permanent: "1", confirm: "1" });
		expect(res.status).toBe(303);
		expect(await h.store.getUser(h.seed.app.id, "superhero1")).toBeNull();
	});

	test("the uid new has its own page; the create form lives at /new-user", async () => {
		const { browser, base } = await signedIn();
		await createUser(h.deps, h.seed.app.id, { uid: "new", name: "Newton" });
		const page = await browser.get(`${base}/users/new`);
		expect(page.status).toBe(200);
		const text = await page.text();
		expect(text).toContain("<h1>Newton</h1>");
		const form = await browser.get(`${base}/new-user`);
		expect(form.status).toBe(200);
		expect(await form.text()).toContain("<h1>New user</h1>");
		expect(await (await browser.get(`${base}/users`)).text()).toContain(`href="${base}/new-user"`);
	});

	test("the list has a status column from the live socket count", async () => {
		const { browser, base } = await signedIn({ sockets: { superhero1: 2 } });
		const page = await (await browser.get(`${base}/users`)).text();
		expect(page).toContain('<th scope="col">Status</th>');
		expect(page).toContain('<span class="badge on">online</span> <span class="small">2 sockets</span>');
		expect(page).toContain('<span class="muted">offline</span>');
	});
});

describe("security settings", () => {
	const FORM = {
		tokenIdleTimeout: "",
		tokenIdleTimeoutUnit: "hours",
		tokenMaxLifetime: "",
		tokenMaxLifetimeUnit: "hours",
		authKeyLogin: "enabled",
		authKeyUidAllowlist: "",
		authKeyOriginAllowlist: "",
		tokenStorage: "hashed",
	};

	async function storage(): Promise<unknown> {
		const res = await h.call("GET", "/v3/security", { key: h.seed.restApiKey });
		return ((await res.json()) as { data: { tokenStorage: string } }).data.tokenStorage;
	}

	test("switching retrievable storage back to hashed asks first, with the form kept; confirming saves it", async () => {
		const { browser, csrf, base } = await signedIn();
		const cipher = { ...h.deps, tokenCipher: createTokenCipher(randomBytes(32)) };
		await updateSecuritySettings(cipher, await getApp(h.deps, h.seed.app.id), { tokenStorage: "retrievable" });
		const res = await browser.post(`${base}/security`, { ...FORM, _csrf: csrf });
		expect(res.status).toBe(200);
		const page = await res.text();
		expect(confirmMessageOf(page)).toBe(
			"Switch Test app to hashed token storage: the encrypted copy of every token is deleted, so the REST API can no longer return any existing token in full, even if you switch back. The tokens themselves keep working.",
		);
		expect(page).toContain('<input type="hidden" name="tokenStorage" value="hashed">');
		expect(page).toContain('<input type="hidden" name="tokenIdleTimeoutUnit" value="hours">');
		expect(await storage()).toBe("retrievable");

		const done = await browser.post(`${base}/security`, { ...FORM, _csrf: csrf, confirm: "1" });
		expect(done.status).toBe(303);
		expect(await storage()).toBe("hashed");
	});

	test("a save that deletes nothing needs no confirmation", async () => {
		const { browser, csrf, base } = await signedIn();
		const res = await browser.post(`${base}/security`, { ...FORM, _csrf: csrf, tokenIdleTimeout: "2" });
		expect(res.status).toBe(303);
	});
});

describe("small items", () => {
	test("an unknown app is a 404 'App not found' page", async () => {
		const { browser } = await signedIn();
		const res = await browser.get("/dashboard/apps/0000000000000000/users");
		expect(res.status).toBe(404);
		const text = await res.text();
		expect(text).toContain("<h1>App not found</h1>");
		expect(text).not.toContain("Not allowed");
	});

	test("the favicon is served (no sign-in needed) and linked from every page", async () => {
		const { browser } = await signedIn();
		for (const path of ["/dashboard/favicon.ico", "/dashboard/favicon.svg"]) {
			const res = await h.browser().get(path);
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toBe("image/svg+xml");
			expect(await res.text()).toMatch(/^<svg /);
		}
		expect(await (await browser.get("/dashboard/apps")).text()).toContain(
			'<link rel="icon" href="/dashboard/favicon.svg" type="image/svg+xml">',
		);
	});
});
