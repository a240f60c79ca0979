import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createApp } from "../src/http/app.ts";
import type { Store } from "../src/store/store.ts";
import { createHarness, type Harness } from "./harness.ts";
import {
	createOtherApp,
	createUserOverHTTP,
	credentialId,
	errorBody,
	expectError,
	expectResponse,
	mintToken,
	readJSON,
	T0,
	TOKEN_PATTERN,
} from "./helpers.ts";

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

const UID_NOT_FOUND = (uid: string): string =>
	`The UID ${uid} does not exist, please make sure you have created a user with UID ${uid}.`;
const TOKEN_NOT_FOUND = (uid: string): string => `The auth token does not exist for the UID ${uid}.`;
const SESSION_NOT_FOUND =
	"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.";

const SDK_LOGIN_BODY = {
	platform: "WEB",
	deviceId: "APPID_502d3a38-2add-4984-983d-dd11ff15cd1c_1795618853993",
	appInfo: { version: "v4.2.0", apiVersion: "v3.0", userAgent: "Mozilla/5.0 (test)" },
};

function masked(id: string): string {
	return `${id}.********`;
}

describe("POST /v3/users/{uid}/auth_tokens", () => {
	test("mints a token with the SDK's login body and shows the plaintext once", async () => {
		const res = await h.call("POST", "/v3.0/users/superhero1/auth_tokens", {
			key: h.seed.authKey,
			body: SDK_LOGIN_BODY,
		});
		const body = (await readJSON(res)) as { data: { authToken: string; id: string } };
		expect(res.status).toBe(200);
		expect(body).toEqual({
			data: {
				uid: "superhero1",
				authToken: expect.stringMatching(TOKEN_PATTERN),
				id: expect.stringMatching(/^lkat_[0-9a-f]{20}$/),
				createdAt: T0,
				platform: "WEB",
				userAgent: "Mozilla/5.0 (test)",
				deviceId: SDK_LOGIN_BODY.deviceId,
				appInfo: SDK_LOGIN_BODY.appInfo,
			},
		});
		expect(credentialId(body.data.authToken)).toBe(body.data.id);
		expect((await h.call("GET", "/v3.0/me", { token: body.data.authToken })).status).toBe(200);
	});

	test("works with the REST API key, with no body, and folds an upper-case uid", async () => {
		const res = await h.call("POST", "/v3/users/SUPERHERO1/auth_tokens", { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: {
				uid: "superhero1",
				authToken: expect.stringMatching(TOKEN_PATTERN),
				id: expect.any(String),
				createdAt: T0,
			},
		});
	});

	test("an explicit userAgent wins over appInfo.userAgent", async () => {
		const token = await mintToken(h, "superhero1", { ...SDK_LOGIN_BODY, userAgent: "curl/8" });
		expect(token).toMatchObject({ userAgent: "curl/8" });
	});

	test("force is ignored: every create mints a new token, with or without it", async () => {
		const a = await mintToken(h, "superhero1");
		const b = await mintToken(h, "superhero1", { force: false });
		const c = await mintToken(h, "superhero1", { force: true });
		expect(new Set([a.authToken, b.authToken, c.authToken]).size).toBe(3);
	});

	test("an unknown uid is 404 ERR_UID_NOT_FOUND", async () => {
		const res = await h.call("POST", "/v3/users/nobody/auth_tokens", { key: h.seed.authKey });
		await expectError(res, 404, "ERR_UID_NOT_FOUND", UID_NOT_FOUND("nobody"));
	});

	test("a deactivated user cannot get a token", async () => {
		await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey });
		const res = await h.call("POST", "/v3/users/superhero1/auth_tokens", { key: h.seed.authKey });
		await expectError(res, 404, "ERR_UID_NOT_FOUND", UID_NOT_FOUND("superhero1"));
	});

	test("a path uid with forbidden characters or over 100 characters is 404", async () => {
		await expectError(
			await h.call("POST", "/v3/users/a.b/auth_tokens", { key: h.seed.authKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("a.b"),
		);
		const long = "u".repeat(101);
		await expectError(
			await h.call("POST", `/v3/users/${long}/auth_tokens`, { key: h.seed.authKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND(long),
		);
	});

	test("a user deleted between the lookup and the insert is ERR_UID_NOT_FOUND with the usual message", async () => {
		const racing: Store = Object.create(h.store) as Store;
		racing.insertAuthToken = async () => null;
		const app = createApp({ ...h.deps, store: racing });
		const res = await app.request("/v3/users/superhero1/auth_tokens", {
			method: "POST",
			headers: { appid: h.seed.app.id, apikey: h.seed.authKey },
		});
		await expectError(res, 404, "ERR_UID_NOT_FOUND", UID_NOT_FOUND("superhero1"));
	});

	test("a token deleted between the lookup and the update is ERR_AUTH_TOKEN_NOT_FOUND with the usual message", async () => {
		const token = await mintToken(h, "superhero1");
		const racing: Store = Object.create(h.store) as Store;
		racing.updateAuthToken = async () => null;
		const app = createApp({ ...h.deps, store: racing });
		const res = await app.request(`/v3/users/superhero1/auth_tokens/${token.id}`, {
			method: "PUT",
			headers: { appid: h.seed.app.id, apikey: h.seed.restApiKey },
			body: JSON.stringify({ platform: "X" }),
		});
		await expectError(res, 404, "ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero1"));
	});

	test("a platform over 50 characters or a non-object appInfo is 400", async () => {
		const res = await h.call("POST", "/v3/users/superhero1/auth_tokens", {
			key: h.seed.authKey,
			body: { platform: "p".repeat(51), appInfo: "x" },
		});
		await expectError(res, 400, "ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			platform: ["The platform may not be greater than 50 characters."],
			appInfo: ["The appInfo must be an object."],
		});
	});

	test("malformed JSON and a JSON array body are 400", async () => {
		await expectError(
			await h.call("POST", "/v3/users/superhero1/auth_tokens", { key: h.seed.authKey, body: "{" }),
			400,
			"ERR_BAD_REQUEST",
			"The request body is not valid JSON.",
			{ body: ["The request body must be valid JSON."] },
		);
		await expectError(
			await h.call("POST", "/v3/users/superhero1/auth_tokens", { key: h.seed.authKey, body: "[]" }),
			400,
			"ERR_BAD_REQUEST",
			"The request body must be a JSON object.",
			{ body: ["The request body must be a JSON object."] },
		);
	});

	test("the 101st token evicts the oldest, which stops working, and a revocation is published", async () => {
		const tokens: Array<{ authToken: string; id: string }> = [];
		for (let i = 0; i < 101; i++) {
			tokens.push(await mintToken(h, "superhero1"));
			h.clock.advance(1000);
		}
		const [oldest, second] = tokens;
		if (!oldest || !second) throw new Error("no tokens");
		expect(h.eventsOf("token.revoked")).toEqual([
			{ type: "token.revoked", appId: h.seed.app.id, tokenIds: [oldest.id], reason: "revoked" },
		]);
		await expectError(
			await h.call("GET", "/v3.0/me", { token: oldest.authToken }),
			401,
			"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			SESSION_NOT_FOUND,
		);
		expect((await h.call("GET", "/v3.0/me", { token: second.authToken })).status).toBe(200);
		const list = await h.call("GET", "/v3/users/superhero1/auth_tokens?perPage=1", { key: h.seed.restApiKey });
		const body = (await readJSON(list)) as { meta: unknown };
		expect(body.meta).toEqual({ pagination: { total: 100, count: 1, per_page: 1, current_page: 1, total_pages: 100 } });
		await expectError(
			await h.call("GET", `/v3/users/superhero1/auth_tokens/${oldest.id}`, { key: h.seed.restApiKey }),
			404,
			"ERR_AUTH_TOKEN_NOT_FOUND",
			TOKEN_NOT_FOUND("superhero1"),
		);
	});

	test("the cap is per user: other users' tokens are never evicted", async () => {
		const other = await mintToken(h, "superhero2");
		for (let i = 0; i < 101; i++) {
			await mintToken(h, "superhero1");
			h.clock.advance(1);
		}
		expect((await h.call("GET", "/v3.0/me", { token: other.authToken })).status).toBe(200);
	});
});

describe("GET /v3/users/{uid}/auth_tokens", () => {
	test("lists newest first, masked, with device fields and pagination", async () => {
		const a = await mintToken(h, "superhero1", SDK_LOGIN_BODY);
		h.clock.advance(2000);
		const b = await mintToken(h, "superhero1");
		await mintToken(h, "superhero2");
		const res = await h.call("GET", "/v3/users/SuperHero1/auth_tokens", { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: [
				{ uid: "superhero1", authToken: masked(b.id), id: b.id, createdAt: T0 + 2 },
				{
					uid: "superhero1",
					authToken: masked(a.id),
					id: a.id,
					createdAt: T0,
					platform: "WEB",
					userAgent: "Mozilla/5.0 (test)",
					deviceId: SDK_LOGIN_BODY.deviceId,
					appInfo: SDK_LOGIN_BODY.appInfo,
				},
			],
			meta: { pagination: { total: 2, count: 2, per_page: 100, current_page: 1, total_pages: 1 } },
		});
		const text = JSON.stringify(
			await readJSON(await h.call("GET", "/v3/users/superhero1/auth_tokens", { key: h.seed.restApiKey })),
		);
		expect(text).not.toContain(a.authToken);
		expect(text).not.toContain(b.authToken);
	});

	test("pages with perPage and page", async () => {
		const a = await mintToken(h, "superhero1");
		h.clock.advance(1000);
		await mintToken(h, "superhero1");
		const res = await h.call("GET", "/v3/users/superhero1/auth_tokens?perPage=1&page=2", { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: [{ uid: "superhero1", authToken: masked(a.id), id: a.id, createdAt: T0 }],
			meta: { pagination: { total: 2, count: 1, per_page: 1, current_page: 2, total_pages: 2 } },
		});
	});

	test("perPage over 100 is 400", async () => {
		const res = await h.call("GET", "/v3/users/superhero1/auth_tokens?perPage=101", { key: h.seed.restApiKey });
		await expectError(res, 400, "ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			perPage: ["The perPage must be an integer between 1 and 100."],
		});
	});

	test("a user with no tokens answers an empty list; an unknown uid is 404", async () => {
		await expectResponse(await h.call("GET", "/v3/users/superhero3/auth_tokens", { key: h.seed.restApiKey }), 200, {
			data: [],
			meta: { pagination: { total: 0, count: 0, per_page: 100, current_page: 1, total_pages: 1 } },
		});
		await expectError(
			await h.call("GET", "/v3/users/nobody/auth_tokens", { key: h.seed.restApiKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("nobody"),
		);
	});

	test("lastUsedAt appears once the token was used", async () => {
		const a = await mintToken(h, "superhero1");
		h.clock.advance(3000);
		expect((await h.call("GET", "/v3.0/me", { token: a.authToken })).status).toBe(200);
		const res = await h.call("GET", `/v3/users/superhero1/auth_tokens/${a.id}`, { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: { uid: "superhero1", authToken: masked(a.id), id: a.id, createdAt: T0, lastUsedAt: T0 + 3 },
		});
	});
});

describe("GET /v3/users/{uid}/auth_tokens/{authToken}", () => {
	test("finds a token by its id or by its full value, always masked", async () => {
		const a = await mintToken(h, "superhero1");
		const expected = { data: { uid: "superhero1", authToken: masked(a.id), id: a.id, createdAt: T0 } };
		await expectResponse(
			await h.call("GET", `/v3/users/superhero1/auth_tokens/${a.id}`, { key: h.seed.restApiKey }),
			200,
			expected,
		);
		await expectResponse(
			await h.call("GET", `/v3/users/SUPERHERO1/auth_tokens/${a.authToken}`, { key: h.seed.restApiKey }),
			200,
			expected,
		);
	});

	test("a full value with a wrong secret is 404 ERR_AUTH_TOKEN_NOT_FOUND", async () => {
		const a = await mintToken(h, "superhero1");
		const res = await h.call("GET", `/v3/users/superhero1/auth_tokens/${a.id}.${"B".repeat(43)}`, {
			key: h.seed.restApiKey,
		});
		await expectError(res, 404, "ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero1"));
	});

	test("another user's token is 404 under this uid", async () => {
		const a = await mintToken(h, "superhero1");
		const res = await h.call("GET", `/v3/users/superhero2/auth_tokens/${a.id}`, { key: h.seed.restApiKey });
		await expectError(res, 404, "ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero2"));
	});

	test("an unknown or malformed reference is 404", async () => {
		for (const reference of ["lkat_00000000000000000000", "nonsense", "lkat_"]) {
			const res = await h.call("GET", `/v3/users/superhero1/auth_tokens/${reference}`, { key: h.seed.restApiKey });
			await expectError(res, 404, "ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero1"));
		}
	});

	test("another app's token is 404, even with the right uid", async () => {
		const other = await createOtherApp(h);
		const res = await h.call("POST", "/v3/users/superhero1/auth_tokens", {
			key: other.authKey,
			headers: { appid: other.app.id },
		});
		const token = ((await readJSON(res)) as { data: { id: string } }).data;
		const get = await h.call("GET", `/v3/users/superhero1/auth_tokens/${token.id}`, { key: h.seed.restApiKey });
		await expectError(get, 404, "ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero1"));
	});
});

describe("PUT /v3/users/{uid}/auth_tokens/{authToken}", () => {
	test("updates platform, userAgent and appInfo", async () => {
		const a = await mintToken(h, "superhero1", { platform: "WEB" });
		const res = await h.call("PUT", `/v3/users/superhero1/auth_tokens/${a.id}`, {
			key: h.seed.restApiKey,
			body: { platform: "ANDROID", userAgent: "okhttp", appInfo: { v: 2 } },
		});
		await expectResponse(res, 200, {
			data: {
				uid: "superhero1",
				authToken: masked(a.id),
				id: a.id,
				createdAt: T0,
				platform: "ANDROID",
				userAgent: "okhttp",
				appInfo: { v: 2 },
			},
		});
	});

	test("a userAgent over 255 characters is 400", async () => {
		const a = await mintToken(h, "superhero1");
		const res = await h.call("PUT", `/v3/users/superhero1/auth_tokens/${a.id}`, {
			key: h.seed.restApiKey,
			body: { userAgent: "u".repeat(256) },
		});
		await expectError(res, 400, "ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			userAgent: ["The userAgent may not be greater than 255 characters."],
		});
	});

	test("an unknown token is 404", async () => {
		const res = await h.call("PUT", "/v3/users/superhero1/auth_tokens/lkat_00000000000000000000", {
			key: h.seed.restApiKey,
			body: { platform: "X" },
		});
		await expectError(res, 404, "ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero1"));
	});
});

describe("DELETE /v3/users/{uid}/auth_tokens/{authToken}", () => {
	test("revokes the token: it stops working and a revocation is published", async () => {
		const a = await mintToken(h, "superhero1");
		const b = await mintToken(h, "superhero1");
		const res = await h.call("DELETE", `/v3/users/superhero1/auth_tokens/${a.authToken}`, { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: { success: true, message: `The Auth Token ${masked(a.id)} has been deleted successfully.` },
		});
		expect(h.eventsOf("token.revoked")).toEqual([
			{ type: "token.revoked", appId: h.seed.app.id, tokenIds: [a.id], reason: "revoked" },
		]);
		await expectError(
			await h.call("GET", "/v3.0/me", { token: a.authToken }),
			401,
			"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			SESSION_NOT_FOUND,
		);
		expect((await h.call("GET", "/v3.0/me", { token: b.authToken })).status).toBe(200);
	});

	test("deleting by id works; deleting twice is 404 and publishes nothing more", async () => {
		const a = await mintToken(h, "superhero1");
		expect(
			(await h.call("DELETE", `/v3/users/superhero1/auth_tokens/${a.id}`, { key: h.seed.restApiKey })).status,
		).toBe(200);
		const again = await h.call("DELETE", `/v3/users/superhero1/auth_tokens/${a.id}`, { key: h.seed.restApiKey });
		await expectError(again, 404, "ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero1"));
		expect(h.eventsOf("token.revoked")).toHaveLength(1);
	});

	test("two concurrent deletes of one token: one 200, the other 404 ERR_AUTH_TOKEN_NOT_FOUND", async () => {
		const a = await mintToken(h, "superhero1");
		const path = `/v3/users/superhero1/auth_tokens/${a.authToken}`;
		const answers = await Promise.all([
			h.call("DELETE", path, { key: h.seed.restApiKey }),
			h.call("DELETE", path, { key: h.seed.restApiKey }),
		]);
		const bodies = await Promise.all(answers.map(async (res) => ({ status: res.status, body: await readJSON(res) })));
		bodies.sort((x, y) => x.status - y.status);
		expect(bodies).toEqual([
			{
				status: 200,
				body: { data: { success: true, message: `The Auth Token ${masked(a.id)} has been deleted successfully.` } },
			},
			{ status: 404, body: errorBody("ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero1")) },
		]);
		expect(h.eventsOf("token.revoked")).toHaveLength(1);
	});

	test("a wrong secret deletes nothing", async () => {
		const a = await mintToken(h, "superhero1");
		const res = await h.call("DELETE", `/v3/users/superhero1/auth_tokens/${a.id}.${"C".repeat(43)}`, {
			key: h.seed.restApiKey,
		});
		await expectError(res, 404, "ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero1"));
		expect((await h.call("GET", "/v3.0/me", { token: a.authToken })).status).toBe(200);
		expect(h.eventsOf("token.revoked", "user.deactivated", "user.deleted")).toEqual([]);
	});

	test("another user's token cannot be deleted through this uid", async () => {
		const a = await mintToken(h, "superhero1");
		const res = await h.call("DELETE", `/v3/users/superhero2/auth_tokens/${a.id}`, { key: h.seed.restApiKey });
		await expectError(res, 404, "ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND("superhero2"));
		expect((await h.call("GET", "/v3.0/me", { token: a.authToken })).status).toBe(200);
	});
});

describe("DELETE /v3/users/{uid}/auth_tokens (flush)", () => {
	test("revokes every token of the user and publishes them all", async () => {
		const a = await mintToken(h, "superhero1");
		const b = await mintToken(h, "superhero1");
		const other = await mintToken(h, "superhero2");
		const res = await h.call("DELETE", "/v3/users/SUPERHERO1/auth_tokens", { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: { success: true, message: "Cleared Auth Tokens successfully for uid superhero1." },
		});
		expect(h.eventsOf("token.revoked")).toEqual([
			{
				type: "token.revoked",
				appId: h.seed.app.id,
				uid: "superhero1",
				tokenIds: expect.arrayContaining([a.id, b.id]),
				reason: "revoked",
			},
		]);
		expect(h.eventsOf("token.revoked")[0]).toMatchObject({ tokenIds: { length: 2 } });
		expect((await h.call("GET", "/v3.0/me", { token: a.authToken })).status).toBe(401);
		expect((await h.call("GET", "/v3.0/me", { token: b.authToken })).status).toBe(401);
		expect((await h.call("GET", "/v3.0/me", { token: other.authToken })).status).toBe(200);
	});

	test("flushing a user without tokens succeeds and still publishes (for sockets of that uid)", async () => {
		const res = await h.call("DELETE", "/v3/users/superhero3/auth_tokens", { key: h.seed.restApiKey });
		expect(res.status).toBe(200);
		expect(h.eventsOf("token.revoked")).toEqual([
			{ type: "token.revoked", appId: h.seed.app.id, uid: "superhero3", tokenIds: [], reason: "revoked" },
		]);
	});

	test("an unknown uid is 404", async () => {
		const res = await h.call("DELETE", "/v3/users/nobody/auth_tokens", { key: h.seed.restApiKey });
		await expectError(res, 404, "ERR_UID_NOT_FOUND", UID_NOT_FOUND("nobody"));
	});
});

describe("auth tokens: credentials", () => {
	const ROUTES: Array<{ method: string; path: (tokenId: string) => string; body?: unknown; authOnlyAllowed: boolean }> =
		[
			{ method: "POST", path: () => "/v3/users/superhero1/auth_tokens", authOnlyAllowed: true },
			{ method: "GET", path: () => "/v3/users/superhero1/auth_tokens", authOnlyAllowed: false },
			{ method: "DELETE", path: () => "/v3/users/superhero1/auth_tokens", authOnlyAllowed: false },
			{ method: "GET", path: (id) => `/v3/users/superhero1/auth_tokens/${id}`, authOnlyAllowed: false },
			{
				method: "PUT",
				path: (id) => `/v3/users/superhero1/auth_tokens/${id}`,
				body: { platform: "X" },
				authOnlyAllowed: false,
			},
			{ method: "DELETE", path: (id) => `/v3/users/superhero1/auth_tokens/${id}`, authOnlyAllowed: false },
		];

	/** Calls the route with `key` and checks that the existing token was left alone. */
	async function callRefused(route: (typeof ROUTES)[number], key: string | undefined): Promise<Response> {
		const victim = await mintToken(h, "superhero1");
		const res = await h.call(route.method, route.path(victim.id), {
			body: route.body,
			...(key !== undefined && { key }),
		});
		expect((await h.call("GET", "/v3.0/me", { token: victim.authToken })).status).toBe(200);
		expect(h.eventsOf("token.revoked", "user.deactivated", "user.deleted")).toEqual([]);
		return res;
	}

	for (const route of ROUTES) {
		const label = `${route.method} ${route.path(":authToken")}`;

		test(`${label} without an apikey is 401 AUTH_ERR_EMPTY_APIKEY`, async () => {
			await expectError(
				await callRefused(route, undefined),
				401,
				"AUTH_ERR_EMPTY_APIKEY",
				"The apiKey is missing in the headers.",
			);
		});

		test(`${label} with a wrong secret is 401 AUTH_ERR_APIKEY_NOT_FOUND`, async () => {
			await expectError(
				await callRefused(route, `${credentialId(h.seed.restApiKey)}.x`),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				`The key ${credentialId(h.seed.restApiKey)}.******** does not exist. Please use correct apiKey.`,
			);
		});

		test(`${label} with another app's key is 401 AUTH_ERR_APIKEY_NOT_FOUND`, async () => {
			const other = await createOtherApp(h);
			await expectError(
				await callRefused(route, other.restApiKey),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				`The key ${credentialId(other.restApiKey)}.******** does not exist. Please use correct apiKey.`,
			);
		});

		test(`${label} with a deleted key is 401 AUTH_ERR_APIKEY_NOT_FOUND`, async () => {
			const created = await h.call("POST", "/v3/apikeys", {
				key: h.seed.restApiKey,
				body: { name: "tmp", scope: "fullAccess" },
			});
			const key = ((await readJSON(created)) as { data: { apiKey: string; id: string } }).data;
			expect((await h.call("DELETE", `/v3/apikeys/${key.id}`, { key: h.seed.restApiKey })).status).toBe(200);
			await expectError(
				await callRefused(route, key.apiKey),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				`The key ${key.id}.******** does not exist. Please use correct apiKey.`,
			);
		});

		if (!route.authOnlyAllowed) {
			test(`${label} with an authOnly key is 403 AUTH_ERR_NO_ACCESS`, async () => {
				await expectError(
					await callRefused(route, h.seed.authKey),
					403,
					"AUTH_ERR_NO_ACCESS",
					`The key ${credentialId(h.seed.authKey)}.******** cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
				);
			});
		}
	}

	test("another app's key under its own appid cannot mint tokens for this app's users", async () => {
		await createUserOverHTTP(h, { uid: "solo", name: "Solo" });
		const other = await createOtherApp(h);
		const res = await h.call("POST", "/v3/users/solo/auth_tokens", {
			key: other.authKey,
			headers: { appid: other.app.id },
		});
		await expectError(res, 404, "ERR_UID_NOT_FOUND", UID_NOT_FOUND("solo"));
	});
});
