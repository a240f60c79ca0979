import { afterEach, describe, expect, test } from "vitest";
import { deleteApiKey } from "../src/domain/api-keys.ts";
import { createDashboardHarness, type DashboardHarness, type TestBrowser } from "./dashboard-support.ts";
import { errorBody, mintToken } from "./helpers.ts";

// Issue 17, item 4 and 6: renaming and deleting an app in the console, and the overview's quick start.

let h: DashboardHarness;
afterEach(async () => {
	await h.close();
});

async function signedIn(options: { publicURL?: string } = {}): Promise<{
	browser: TestBrowser;
	csrf: string;
	base: string;
}> {
	h = await createDashboardHarness(options);
	const browser = h.browser();
	const csrf = await browser.signIn();
	return { browser, csrf, base: `/dashboard/apps/${h.seed.app.id}` };
}

describe("deleting an app", () => {
	test("without confirm=1 the POST answers the confirm page, naming what goes, and deletes nothing", async () => {
		const { browser, csrf, base } = await signedIn();
		await mintToken(h, "superhero1");
		const res = await browser.post(`${base}/delete`, { _csrf: csrf });
		expect(res.status).toBe(200);
		const page = await res.text();
		expect(page).toContain("<h1>Delete app?</h1>");
		expect(page).toContain(
			`Delete the app Test app (${h.seed.app.id}) with its 5 users, 1 auth token and 2 API keys; its live sockets close. This cannot be undone.`,
		);
		expect(page).toContain('<label for="confirmName">Type Test app to confirm</label>');
		expect(await h.store.getApp(h.seed.app.id)).not.toBeNull();
		expect(h.eventsOf("app.deleted")).toEqual([]);
	});

	test("confirm=1 without the typed name, or with a wrong one, is refused with 400 and deletes nothing", async () => {
		const { browser, csrf, base } = await signedIn();
		for (const typed of [undefined, "", "test app", "Test app ", "Other"]) {
			const fields: Record<string, string> = { _csrf: csrf, confirm: "1" };
			if (typed !== undefined) fields.confirmName = typed;
			const res = await browser.post(`${base}/delete`, fields);
			expect(res.status).toBe(400);
			expect(await res.text()).toContain("The name typed was not Test app; nothing was changed.");
		}
		expect(await h.store.getApp(h.seed.app.id)).not.toBeNull();
		expect(h.eventsOf("app.deleted")).toEqual([]);
	});

	test("with the typed name it deletes the app: its tokens and keys answer 401 over REST, app.deleted is published", async () => {
		const { browser, csrf, base } = await signedIn();
		const { authToken: token } = await mintToken(h, "superhero1");
		expect((await h.call("GET", "/v3/me", { token })).status).toBe(200);
		const res = await browser.post(`${base}/delete`, { _csrf: csrf, confirm: "1", confirmName: "Test app" });
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/apps?notice=app-deleted");
		expect(h.eventsOf("app.deleted")).toEqual([{ type: "app.deleted", appId: h.seed.app.id }]);

		const gone = errorBody("AUTH_ERR_INVALID_APPID", `The appId ${h.seed.app.id} does not exist.`);
		const byToken = await h.call("GET", "/v3/me", { token });
		expect({ status: byToken.status, body: await byToken.json() }).toMatchObject({ status: 401, body: gone });
		const byKey = await h.call("GET", "/v3/users", { key: h.seed.restApiKey });
		expect({ status: byKey.status, body: await byKey.json() }).toMatchObject({ status: 401, body: gone });
		expect(await h.store.countAppAuthTokens(h.seed.app.id)).toBe(0);

		const list = await (await browser.get("/dashboard/apps?notice=app-deleted")).text();
		expect(list).toContain(
			"The app was deleted with all its users, auth tokens and API keys; its sockets were closed.",
		);
		expect(list).not.toContain(h.seed.app.id);
		// Its page is gone (the status of an unknown app's page is the error table's business, not this test's).
		expect(await (await browser.get(base)).text()).toContain(`The appId ${h.seed.app.id} does not exist.`);
	});

	test("the overview's delete form asks for the name through the confirm dialog's attributes", async () => {
		const { browser, base } = await signedIn();
		const page = await (await browser.get(base)).text();
		expect(page).toMatch(
			new RegExp(
				`<form class="inline" method="post" action="${base}/delete" data-confirm="Delete the app Test app [^"]+" data-confirm-label="Delete app" data-confirm-type="Test app">`,
			),
		);
	});

	test("a delete without the CSRF token, or from another origin, is refused and deletes nothing", async () => {
		const { browser, csrf, base } = await signedIn();
		const fields = { confirm: "1", confirmName: "Test app" };
		const tokenless = await browser.post(`${base}/delete`, fields);
		expect(tokenless.status).toBe(403);
		expect(await tokenless.text()).toContain("<h1>Request refused</h1>");
		const wrong = await browser.post(`${base}/delete`, { ...fields, _csrf: `${csrf.slice(0, -2)}xx` });
		expect(wrong.status).toBe(403);
		const foreign = await browser.post(`${base}/delete`, { ...fields, _csrf: csrf }, { origin: "http://evil.test" });
		expect(foreign.status).toBe(403);
		expect(await h.store.getApp(h.seed.app.id)).not.toBeNull();
		expect(h.eventsOf("app.deleted")).toEqual([]);
	});

	test("an unknown app is refused with the domain's message and nothing is deleted", async () => {
		const { browser, csrf } = await signedIn();
		const res = await browser.post("/dashboard/apps/nope/delete", { _csrf: csrf, confirm: "1", confirmName: "x" });
		expect(res.status).toBeGreaterThanOrEqual(400);
		expect(await res.text()).toContain("The appId nope does not exist.");
		expect(h.eventsOf("app.deleted")).toEqual([]);
	});
});

describe("renaming an app", () => {
	test("the new name is saved and shown; App ID, keys and users stay", async () => {
		const { browser, csrf, base } = await signedIn();
		const res = await browser.post(`${base}/rename`, { _csrf: csrf, name: "  Production  " });
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe(`${base}?notice=app-renamed`);
		expect(h.eventsOf("app.updated")).toEqual([{ type: "app.updated", appId: h.seed.app.id }]);
		const page = await (await browser.get(`${base}?notice=app-renamed`)).text();
		expect(page).toContain("<title>Production · Latchkey</title>");
		expect(page).toContain("The app was renamed. Its App ID, keys and users stay the same.");
		expect((await h.call("GET", "/v3/users/superhero1", { key: h.seed.restApiKey })).status).toBe(200);
	});

	test("an empty or too long name is a 400 with the field's message, and nothing changes", async () => {
		const { browser, csrf, base } = await signedIn();
		for (const [name, message] of [
			["   ", "The name field is required."],
			["x".repeat(101), "The name may not be greater than 100 characters."],
		] as const) {
			const res = await browser.post(`${base}/rename`, { _csrf: csrf, name });
			expect(res.status).toBe(400);
			const page = await res.text();
			expect(page).toContain(message);
			expect(page).toContain('aria-invalid="true" aria-describedby="name-error"');
		}
		expect((await h.store.getApp(h.seed.app.id))?.name).toBe("Test app");
	});

	test("a rename without the CSRF token is refused", async () => {
		const { browser, base } = await signedIn();
		expect((await browser.post(`${base}/rename`, { name: "Hijacked" })).status).toBe(403);
		expect((await h.store.getApp(h.seed.app.id))?.name).toBe("Test app");
	});

	test("a name with markup is escaped", async () => {
		const { browser, csrf, base } = await signedIn();
		await browser.post(`${base}/rename`, { _csrf: csrf, name: "<img src=x onerror=alert(1)>" });
		const page = await (await browser.get(base)).text();
		expect(page).not.toContain("<img src=x");
		expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
	});
});

describe("the overview's quick start", () => {
	test("shows the app's own App ID, region, REST base and masked Auth Key, and never a secret", async () => {
		const { browser, base } = await signedIn({ publicURL: "https://chat.example.test" });
		const page = await (await browser.get(base)).text();
		const app = h.seed.app;
		const authKeyId = h.seed.authKey.split(".")[0] ?? "";
		expect(page).toContain(`<code id="app-id">${app.id}</code>`);
		expect(page).toContain(`<dd id="qs-region">${app.region}</dd>`);
		expect(page).toContain('<code id="qs-rest-base">https://chat.example.test/v3</code>');
		expect(page).toContain(`<code id="qs-auth-key">${authKeyId}.********</code>`);
		expect(page).toContain(`const APP_ID = &quot;${app.id}&quot;;`);
		expect(page).toContain(".overrideAdminHost(&quot;chat.example.test/v3.0&quot;)");
		expect(page).toContain("CometChat.login(&quot;superhero1&quot;, &quot;YOUR_AUTH_KEY&quot;)");
		expect(page).toContain("CometChat.login(authToken)");
		expect(page).toContain(`curl -s -X POST &quot;https://chat.example.test/v3/users/superhero1/auth_tokens&quot;`);
		expect(page).toContain("-H &quot;apikey: YOUR_REST_API_KEY&quot;");
		for (const secret of [h.seed.restApiKey, h.seed.authKey]) {
			expect(page).not.toContain(secret.split(".")[1]);
		}
		expect(page).not.toContain(h.seed.restApiKey.split(".")[0]);
	});

	test("the REST base follows the request's origin without a public URL", async () => {
		const { browser, base } = await signedIn();
		const page = await (await browser.get(base)).text();
		expect(page).toContain('<code id="qs-rest-base">http://localhost/v3</code>');
	});

	test("'Create a new Auth Key' posts to the keys page's create form and makes an authOnly key named Auth Key", async () => {
		const { browser, csrf, base } = await signedIn();
		const page = await (await browser.get(base)).text();
		expect(page).toContain(`<form method="post" action="${base}/keys">`);
		h.clock.advance(1_000);
		const res = await browser.post(`${base}/keys`, { _csrf: csrf, name: "Auth Key", scope: "authOnly" });
		expect([200, 303]).toContain(res.status);
		const keys = await h.store.listApiKeys(h.seed.app.id, { limit: 25, offset: 0, scope: "authOnly" });
		expect(keys.items.map((key) => key.name)).toEqual(["Auth Key", "Auth Key"]);
		const newest = keys.items.find((key) => key.createdAt === h.clock.now());
		const after = await (await browser.get(base)).text();
		expect(after).toContain(`<code id="qs-auth-key">${newest?.id}.********</code>`);
	});

	test("an app without an Auth Key says so", async () => {
		const { browser, base } = await signedIn();
		const authKeyId = h.seed.authKey.split(".")[0] ?? "";
		await deleteApiKey(h.deps, h.seed.app.id, authKeyId, null);
		const page = await (await browser.get(base)).text();
		expect(page).toContain('<span class="muted" id="qs-auth-key">This app has no Auth Key.</span>');
	});

	test("the overview links the security settings and the audit trail", async () => {
		const { browser, base } = await signedIn();
		const page = await (await browser.get(base)).text();
		expect(page).toContain(`<a href="${base}/security">security settings</a>`);
		expect(page).toContain(`<a href="${base}/audit">The whole audit trail →</a>`);
	});
});
