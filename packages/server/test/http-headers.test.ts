import { afterEach, beforeEach, expect, test } from "vitest";
import { createApp } from "../src/http/app.ts";
import { createHarness, type Harness } from "./harness.ts";
import { mintToken } from "./helpers.ts";

// Issue 12 item 6: every answer says nosniff; the answers that carry a secret say no-store; TLS adds HSTS.

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

function headersOf(res: Response): Record<string, string | null> {
	return {
		"cache-control": res.headers.get("cache-control"),
		"x-content-type-options": res.headers.get("x-content-type-options"),
		"strict-transport-security": res.headers.get("strict-transport-security"),
	};
}

const SECRET = { "cache-control": "no-store", "x-content-type-options": "nosniff", "strict-transport-security": null };
const PLAIN = { "cache-control": null, "x-content-type-options": "nosniff", "strict-transport-security": null };

test("answers that carry a token, a key or the session are not to be stored", async () => {
	const minted = await h.call("POST", "/v3/users/superhero1/auth_tokens", { key: h.seed.authKey, body: {} });
	expect(minted.status).toBe(200);
	expect(headersOf(minted)).toEqual(SECRET);
	const token = await mintToken(h, "superhero1");
	const me = await h.call("GET", "/v3.0/me", { token: token.authToken });
	expect(me.status).toBe(200);
	expect(headersOf(me)).toEqual(SECRET);
	expect(me.headers.get("content-type")).toBe("application/json");
	expect(me.headers.get("access-control-allow-origin")).toBe("*");
	const login = await h.call("PUT", "/v3.0/me", { token: token.authToken, body: { platform: "WEB" } });
	expect(headersOf(login)).toEqual(SECRET);
	const key = await h.call("POST", "/v3/apikeys", {
		key: h.seed.restApiKey,
		body: { name: "CI", scope: "fullAccess" },
	});
	expect(key.status).toBe(200);
	expect(headersOf(key)).toEqual(SECRET);
	const withToken = await h.call("POST", "/v3/users", {
		key: h.seed.restApiKey,
		body: { uid: "ann", name: "Ann", withAuthToken: true },
	});
	expect(withToken.status).toBe(200);
	expect(headersOf(withToken)).toEqual(SECRET);
	const withoutToken = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "bob", name: "Bob" } });
	expect(withoutToken.status).toBe(200);
	expect(headersOf(withoutToken)).toEqual(PLAIN);
});

test("every other answer, errors and /healthz included, still says nosniff", async () => {
	expect(headersOf(await h.call("GET", "/v3/users", { key: h.seed.restApiKey }))).toEqual(PLAIN);
	const refused = await h.call("GET", "/v3/users", { key: "lkak_nope.nope" });
	expect(refused.status).toBe(401);
	expect(headersOf(refused)).toEqual(PLAIN);
	expect(headersOf(await h.app.request("/healthz"))).toEqual(PLAIN);
	expect(headersOf(await h.app.request("/v3/nothing-here", { headers: { appid: h.seed.app.id } }))).toEqual(PLAIN);
});

test("a server on TLS sends Strict-Transport-Security on every answer; a plain one never", async () => {
	const tls = createApp({ ...h.deps, tls: true });
	const res = await tls.request("/healthz");
	expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000");
	const refused = await tls.request("/v3/users", { headers: { appid: h.seed.app.id } });
	expect(refused.status).toBe(401);
	expect(refused.headers.get("strict-transport-security")).toBe("max-age=31536000");
	expect((await h.app.request("/healthz")).headers.get("strict-transport-security")).toBeNull();
});

/** Every header of an answer but the ones that vary by request (its id, the budget's counters) or by time. */
function stableHeaders(res: Response): Record<string, string> {
	const all = Object.fromEntries(res.headers);
	expect(all["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
	delete all["x-request-id"];
	for (const name of ["x-rate-limit-remaining", "x-rate-limit-reset"]) {
		if (name in all) {
			expect(all[name]).toMatch(/^\d+$/);
			delete all[name];
		}
	}
	return all;
}

const API = {
	"access-control-allow-origin": "*",
	"access-control-expose-headers": "retry-after,x-rate-limit,x-rate-limit-remaining,x-rate-limit-reset,x-request-id",
	"x-content-type-options": "nosniff",
};

// The hot path answers with the collected headers as a plain object (http/answer-headers.ts); every other answer
// gets them copied on after the route. Both must end with the same set.
test("GET /me, a login, an error and a preflight carry the API's headers, each exactly once", async () => {
	const token = await mintToken(h, "superhero1");
	const me = await h.call("GET", "/v3.0/me", { token: token.authToken });
	expect(me.status).toBe(200);
	expect(stableHeaders(me)).toEqual({
		...API,
		"cache-control": "no-store",
		"content-type": "application/json",
		"x-rate-limit": "6000000",
	});
	const login = await h.call("POST", "/v3/users/superhero2/auth_tokens", { key: h.seed.authKey, body: {} });
	expect(login.status).toBe(200);
	expect(stableHeaders(login)).toEqual({
		...API,
		"cache-control": "no-store",
		"content-type": "application/json",
		"x-rate-limit": "600000",
	});
	const refused = await h.call("GET", "/v3.0/me", { token: "lkat_nope.nope" });
	expect(refused.status).toBe(401);
	expect(stableHeaders(refused)).toEqual({ ...API, "content-type": "application/json", "x-rate-limit": "6000000" });
	const preflight = await h.app.request("/v3.0/me", { method: "OPTIONS" });
	expect(preflight.status).toBe(204);
	expect(stableHeaders(preflight)).toEqual({
		"access-control-allow-origin": "*",
		"access-control-allow-methods": "GET,POST,PUT,DELETE,OPTIONS",
		"access-control-allow-headers":
			"appid,apikey,authtoken,resource,sdk,content-type,accept,authorization,onbehalfof,chatapiversion,settingshash,settingshashreceivedat,x-request-id",
		"access-control-max-age": "86400",
		"x-content-type-options": "nosniff",
	});
});
