import { afterEach, expect, test } from "vitest";
import { createAuthToken } from "../src/domain/auth-tokens.ts";
import { createDashboardHarness, type DashboardHarness, type TestBrowser } from "./dashboard-support.ts";

let h: DashboardHarness;
afterEach(async () => {
	await h.close();
});

async function signedIn(): Promise<{ browser: TestBrowser; csrf: string; base: string }> {
	h = await createDashboardHarness();
	const browser = h.browser();
	const csrf = await browser.signIn();
	return { browser, csrf, base: `/dashboard/apps/${h.seed.app.id}` };
}

test("creating a user from the form stores what the REST API would, and lands on their page", async () => {
	const { browser, csrf, base } = await signedIn();
	const res = await browser.post(`${base}/users`, {
		_csrf: csrf,
		uid: "Bob",
		name: "Bob B.",
		avatar: "https://example.test/bob.png",
		role: "Moderator",
		metadata: '{"plan":"pro"}',
		tags: "a, b",
	});
	expect(res.status).toBe(303);
	expect(res.headers.get("location")).toBe(`${base}/users/bob?notice=user-created`);
	const rest = await h.call("GET", "/v3/users/bob", { key: h.seed.restApiKey });
	expect(((await rest.json()) as { data: Record<string, unknown> }).data).toMatchObject({
		uid: "bob",
		name: "Bob B.",
		avatar: "https://example.test/bob.png",
		role: "moderator",
		metadata: { plan: "pro" },
	});
	expect(await (await browser.get(`${base}/users/bob?notice=user-created`)).text()).toContain("The user was created.");
});

test("editing a user replaces fields and unsets blank optional ones", async () => {
	const { browser, csrf, base } = await signedIn();
	const form = await (await browser.get(`${base}/users/superhero1/edit`)).text();
	expect(form).toContain('value="Iron Man"');
	const res = await browser.post(`${base}/users/superhero1/edit`, {
		_csrf: csrf,
		name: "Tony Stark",
		avatar: "",
		link: "",
		role: "admin",
		statusMessage: "",
		metadata: "",
		tags: "",
	});
	expect(res.status).toBe(303);
	const user = await h.store.getUser(h.seed.app.id, "superhero1");
	expect(user).toMatchObject({ name: "Tony Stark", avatar: null, role: "admin", metadata: null, tags: [] });
});

test("a token minted on the page is shown once and works; revoking it publishes a revocation", async () => {
	const { browser, csrf, base } = await signedIn();
	const minted = await browser.post(`${base}/users/superhero2/tokens`, { _csrf: csrf, platform: "WEB" });
	const page = await (await browser.get(minted.headers.get("location") ?? "")).text();
	const token = /id="new-auth-token"[^>]*>([^<]+)</.exec(page)?.[1] ?? "";
	expect(token).toMatch(/^lkat_[0-9a-f]{20}\.[\w-]{43}$/);
	expect((await h.call("GET", "/v3.0/me", { token })).status).toBe(200);
	const again = await (await browser.get(`${base}/users/superhero2`)).text();
	expect(again).not.toContain(token.split(".")[1]);

	const id = token.split(".")[0] ?? "";
	const res = await browser.post(`${base}/users/superhero2/tokens/${id}/revoke`, { _csrf: csrf, confirm: "1" });
	expect(res.status).toBe(303);
	expect(res.headers.get("location")).toBe(`${base}/users/superhero2?notice=token-revoked`);
	expect((await h.call("GET", "/v3.0/me", { token })).status).toBe(401);
	expect(h.eventsOf("token.revoked")).toEqual([
		{ type: "token.revoked", appId: h.seed.app.id, tokenIds: [id], reason: "revoked" },
	]);
});

test("flushing revokes every token of the user and nobody else's", async () => {
	const { browser, csrf, base } = await signedIn();
	const a = await createAuthToken(h.deps, h.seed.app.id, "superhero3");
	const b = await createAuthToken(h.deps, h.seed.app.id, "superhero3");
	const other = await createAuthToken(h.deps, h.seed.app.id, "superhero4");
	const res = await browser.post(`${base}/users/superhero3/tokens/flush`, { _csrf: csrf, confirm: "1" });
	expect(res.status).toBe(303);
	for (const token of [a, b]) expect((await h.call("GET", "/v3.0/me", { token: token.plaintext })).status).toBe(401);
	expect((await h.call("GET", "/v3.0/me", { token: other.plaintext })).status).toBe(200);
});

test("deleting a user deactivates by default, or deletes permanently", async () => {
	const { browser, csrf, base } = await signedIn();
	const soft = await browser.post(`${base}/users/superhero4/delete`, { _csrf: csrf, confirm: "1" });
	expect(soft.headers.get("location")).toBe(`${base}/users?notice=user-deactivated&status=deactivated`);
	expect((await h.store.getUser(h.seed.app.id, "superhero4"))?.deactivatedAt).toBe(h.clock.now());
	const hard = await browser.post(`${base}/users/superhero5/delete`, { _csrf: csrf, permanent: "1", confirm: "1" });
	expect(hard.headers.get("location")).toBe(`${base}/users?notice=user-deleted`);
	expect(await h.store.getUser(h.seed.app.id, "superhero5")).toBeNull();
	const list = await (await browser.get(`${base}/users?notice=user-deleted`)).text();
	expect(list).not.toContain("superhero4");
	expect(list).toContain("The user and all their tokens were deleted permanently.");
});

test("an API key is shown once at creation; a deleted one is refused by the REST API", async () => {
	const { browser, csrf, base } = await signedIn();
	const created = await browser.post(`${base}/keys`, { _csrf: csrf, name: "Backend", scope: "fullAccess" });
	const page = await (await browser.get(created.headers.get("location") ?? "")).text();
	const key = /id="new-api-key"[^>]*>([^<]+)</.exec(page)?.[1] ?? "";
	expect(key).toMatch(/^lkak_[0-9a-f]{20}\./);
	expect((await h.call("GET", "/v3/users", { key })).status).toBe(200);
	expect(await (await browser.get(`${base}/keys`)).text()).not.toContain(key.split(".")[1]);
	const id = key.split(".")[0] ?? "";
	const res = await browser.post(`${base}/keys/${id}/delete`, { _csrf: csrf, confirm: "1" });
	expect(res.headers.get("location")).toBe(`${base}/keys?notice=key-deleted`);
	expect((await h.call("GET", "/v3/users", { key })).status).toBe(401);
});

test("creating a key past the cap of 25 shows the quota message", async () => {
	const { browser, csrf, base } = await signedIn();
	for (let i = 0; i < 23; i++) await browser.post(`${base}/keys`, { _csrf: csrf, name: `k${i}` });
	const res = await browser.post(`${base}/keys`, { _csrf: csrf, name: "one too many" });
	expect(res.status).toBe(403);
	expect(await res.text()).toContain("The allowed limit of 25 API keys for this app has been reached.");
});

test("creating an app shows its ID and both keys once", async () => {
	const { browser, csrf } = await signedIn();
	const page = await (await browser.post("/dashboard/apps", { _csrf: csrf, name: "Two", region: "eu" })).text();
	const restKey = /id="new-rest-api-key"[^>]*>([^<]+)</.exec(page)?.[1] ?? "";
	const appId = /id="new-app-id"[^>]*>([^<]+)</.exec(page)?.[1] ?? "";
	expect(appId).toMatch(/^[0-9a-f]{16}$/);
	const res = await h.dashboardApp.request("/v3/users", { headers: { appid: appId, apikey: restKey } });
	expect(res.status).toBe(200);
	expect(await (await browser.get("/dashboard/apps")).text()).not.toContain(restKey);
});

test("empty states say what to do next", async () => {
	const { browser, csrf, base } = await signedIn();
	await browser.post("/dashboard/apps", { _csrf: csrf, name: "Empty", skipSampleData: "1" });
	const apps = await h.store.listApps();
	const empty = apps.find((app) => app.name === "Empty")?.id ?? "";
	expect(await (await browser.get(`/dashboard/apps/${empty}/users`)).text()).toContain("This app has no users yet.");
	expect(await (await browser.get(`${base}/users/superhero1`)).text()).toContain("No auth tokens.");
});

test("an unknown dashboard path is an HTML 404, behind sign-in", async () => {
	const { browser } = await signedIn();
	const res = await browser.get("/dashboard/nowhere");
	expect(res.status).toBe(404);
	expect(res.headers.get("content-type")).toContain("text/html");
	expect((await h.browser().get("/dashboard/nowhere")).status).toBe(303);
});

test("a trailing slash redirects to the page without it", async () => {
	const { browser } = await signedIn();
	const res = await browser.get("/dashboard/apps/");
	expect(res.status).toBe(301);
	expect(res.headers.get("location")).toBe("/dashboard/apps");
});
