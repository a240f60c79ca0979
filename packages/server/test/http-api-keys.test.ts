import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { RateLimits } from "../src/web/rate-limits.ts";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, credentialId, expectError, expectResponse, KEY_PATTERN, readJSON, T0 } from "./helpers.ts";

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

function masked(id: string): string {
	return `${id}.********`;
}

const NO_SELF_ACTION =
	"The API Key in the headers is the same as the API Key in the path. An API key cannot update or delete itself.";
const BAD_REQUEST = "Failed to validate the data sent with the request.";

async function createKey(
	body: Record<string, unknown>,
): Promise<{ apiKey: string; id: string; name: string; scope: string; createdAt: number }> {
	const res = await h.call("POST", "/v3/apikeys", { key: h.seed.restApiKey, body });
	expect(res.status).toBe(200);
	return (
		(await readJSON(res)) as { data: { apiKey: string; id: string; name: string; scope: string; createdAt: number } }
	).data;
}

/** Keys in list order: oldest first, then by id. */
function inListOrder(keys: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
	return keys.sort((a, b) =>
		a.createdAt === b.createdAt ? String(a.id).localeCompare(String(b.id)) : Number(a.createdAt) - Number(b.createdAt),
	);
}

/** The two keys an app is made with; the REST key last used at `restLastUsedAt` (unix seconds). */
function seededKeys(restLastUsedAt: number | null = T0): Array<Record<string, unknown>> {
	const rest = credentialId(h.seed.restApiKey);
	const auth = credentialId(h.seed.authKey);
	return [
		{
			apiKey: masked(rest),
			id: rest,
			name: "Rest API Key",
			scope: "fullAccess",
			createdBy: "app_system",
			createdAt: T0,
			expiresAt: null,
			lastUsedAt: restLastUsedAt,
		},
		{
			apiKey: masked(auth),
			id: auth,
			name: "Auth Key",
			scope: "authOnly",
			createdBy: "app_system",
			createdAt: T0,
			expiresAt: null,
			lastUsedAt: null,
		},
	];
}

describe("POST /v3/apikeys", () => {
	test("creates a key and shows its plaintext once", async () => {
		const res = await h.call("POST", "/v3/apikeys", {
			key: h.seed.restApiKey,
			body: { name: "CI", scope: "fullAccess" },
		});
		const body = (await readJSON(res)) as { data: { apiKey: string; id: string } };
		expect(res.status).toBe(200);
		expect(body).toEqual({
			data: {
				apiKey: expect.stringMatching(KEY_PATTERN),
				id: expect.any(String),
				name: "CI",
				scope: "fullAccess",
				createdAt: T0,
				expiresAt: null,
				lastUsedAt: null,
			},
		});
		expect(credentialId(body.data.apiKey)).toBe(body.data.id);
		expect((await h.call("GET", "/v3/users", { key: body.data.apiKey })).status).toBe(200);
	});

	test("a missing scope defaults to authOnly, which may create users but not list them", async () => {
		const key = await createKey({ name: "Web" });
		expect(key.scope).toBe("authOnly");
		expect((await h.call("POST", "/v3/users", { key: key.apiKey, body: { uid: "x", name: "X" } })).status).toBe(200);
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(403);
	});

	test("a missing name, a long name and an unknown scope are 400", async () => {
		await expectError(
			await h.call("POST", "/v3/apikeys", { key: h.seed.restApiKey, body: {} }),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{
				name: ["The name field is required."],
			},
		);
		await expectError(
			await h.call("POST", "/v3/apikeys", { key: h.seed.restApiKey, body: { name: "n".repeat(101), scope: "root" } }),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{ name: ["The name may not be greater than 100 characters."], scope: ["The selected scope is invalid."] },
		);
	});

	test("the 26th key of an app is 403 ERR_PLAN_QUOTA_RESTRICTION", async () => {
		for (let i = 0; i < 23; i++) await createKey({ name: `k${i}` });
		const res = await h.call("POST", "/v3/apikeys", { key: h.seed.restApiKey, body: { name: "one too many" } });
		await expectError(
			res,
			403,
			"ERR_PLAN_QUOTA_RESTRICTION",
			"The allowed limit of 25 API keys for this app has been reached. Delete a key before creating another.",
		);
		const list = (await readJSON(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }))) as { meta: unknown };
		expect(list.meta).toEqual({ pagination: { total: 25, count: 25, per_page: 100, current_page: 1, total_pages: 1 } });
	});

	test("deleting a key frees a place under the cap", async () => {
		const keys = [];
		for (let i = 0; i < 23; i++) keys.push(await createKey({ name: `k${i}` }));
		expect((await h.call("DELETE", `/v3/apikeys/${keys[0]?.id}`, { key: h.seed.restApiKey })).status).toBe(200);
		expect((await h.call("POST", "/v3/apikeys", { key: h.seed.restApiKey, body: { name: "again" } })).status).toBe(200);
	});

	test("another app's keys do not count against this app's cap", async () => {
		const other = await createOtherApp(h);
		for (let i = 0; i < 23; i++) await createKey({ name: `k${i}` });
		const res = await h.call("POST", "/v3/apikeys", {
			key: other.restApiKey,
			headers: { appid: other.app.id },
			body: { name: "theirs" },
		});
		expect(res.status).toBe(200);
	});
});

describe("GET /v3/apikeys", () => {
	test("lists the app's keys oldest first, masked, with pagination", async () => {
		h.clock.advance(1000);
		const ci = await createKey({ name: "CI", scope: "fullAccess" });
		const res = await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: [
				...seededKeys(T0 + 1),
				{
					apiKey: masked(ci.id),
					id: ci.id,
					name: "CI",
					scope: "fullAccess",
					createdAt: T0 + 1,
					expiresAt: null,
					lastUsedAt: null,
				},
			].sort((a, b) =>
				a.createdAt === b.createdAt
					? String(a.id).localeCompare(String(b.id))
					: Number(a.createdAt) - Number(b.createdAt),
			),
			meta: { pagination: { total: 3, count: 3, per_page: 100, current_page: 1, total_pages: 1 } },
		});
		const text = JSON.stringify(await readJSON(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey })));
		expect(text).not.toContain(h.seed.restApiKey);
		expect(text).not.toContain(h.seed.authKey);
		expect(text).not.toContain(ci.apiKey);
	});

	test("filters by scope and by a case-insensitive substring of the name", async () => {
		await createKey({ name: "Mobile app", scope: "authOnly" });
		const names = async (query: string): Promise<string[]> => {
			const res = await h.call("GET", `/v3/apikeys?${query}`, { key: h.seed.restApiKey });
			expect(res.status).toBe(200);
			return ((await readJSON(res)) as { data: Array<{ name: string }> }).data.map((k) => k.name).sort();
		};
		expect(await names("scope=authOnly")).toEqual(["Auth Key", "Mobile app"]);
		expect(await names("scope=fullAccess")).toEqual(["Rest API Key"]);
		expect(await names("searchKey=KEY")).toEqual(["Auth Key", "Rest API Key"]);
		expect(await names("searchKey=app&scope=authOnly")).toEqual(["Mobile app"]);
		expect(await names("searchKey=_")).toEqual([]);
	});

	test("another app's keys never appear", async () => {
		await createOtherApp(h);
		const list = (await readJSON(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }))) as {
			data: unknown[];
		};
		expect(list.data).toHaveLength(2);
	});
});

describe("GET /v3/apikeys/{apiKey}", () => {
	test("finds a key by id or by full value, masked", async () => {
		const [rest] = seededKeys();
		await expectResponse(
			await h.call("GET", `/v3/apikeys/${credentialId(h.seed.restApiKey)}`, { key: h.seed.restApiKey }),
			200,
			{
				data: rest,
			},
		);
		await expectResponse(await h.call("GET", `/v3/apikeys/${h.seed.restApiKey}`, { key: h.seed.restApiKey }), 200, {
			data: rest,
		});
	});

	test("a full value with a wrong secret is 404 ERR_APIKEY_NOT_FOUND, never echoing the secret", async () => {
		const id = credentialId(h.seed.authKey);
		const res = await h.call("GET", `/v3/apikeys/${id}.${"Z".repeat(43)}`, { key: h.seed.restApiKey });
		await expectError(res, 404, "ERR_APIKEY_NOT_FOUND", `The Api Key ${masked(id)} does not exist.`);
	});

	test("an unknown key and another app's key are 404", async () => {
		await expectError(
			await h.call("GET", "/v3/apikeys/lkak_00000000000000000000", { key: h.seed.restApiKey }),
			404,
			"ERR_APIKEY_NOT_FOUND",
			"The Api Key lkak_00000000000000000000.******** does not exist.",
		);
		const other = await createOtherApp(h);
		const otherId = credentialId(other.restApiKey);
		await expectError(
			await h.call("GET", `/v3/apikeys/${otherId}`, { key: h.seed.restApiKey }),
			404,
			"ERR_APIKEY_NOT_FOUND",
			`The Api Key ${masked(otherId)} does not exist.`,
		);
	});
});

describe("PUT /v3/apikeys/{apiKey}", () => {
	test("renames and rescopes another key", async () => {
		const key = await createKey({ name: "old" });
		const res = await h.call("PUT", `/v3/apikeys/${key.id}`, {
			key: h.seed.restApiKey,
			body: { name: "new", scope: "fullAccess" },
		});
		await expectResponse(res, 200, {
			data: {
				apiKey: masked(key.id),
				id: key.id,
				name: "new",
				scope: "fullAccess",
				createdAt: T0,
				expiresAt: null,
				lastUsedAt: null,
			},
		});
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
	});

	test("an empty body changes nothing", async () => {
		const key = await createKey({ name: "same" });
		const res = await h.call("PUT", `/v3/apikeys/${key.apiKey}`, { key: h.seed.restApiKey, body: {} });
		await expectResponse(res, 200, {
			data: {
				apiKey: masked(key.id),
				id: key.id,
				name: "same",
				scope: "authOnly",
				createdAt: T0,
				expiresAt: null,
				lastUsedAt: null,
			},
		});
	});

	test("a key may not update itself: 403 ERR_APIKEY_NO_SELF_ACTION", async () => {
		for (const reference of [h.seed.restApiKey, credentialId(h.seed.restApiKey)]) {
			const res = await h.call("PUT", `/v3/apikeys/${reference}`, {
				key: h.seed.restApiKey,
				body: { scope: "authOnly" },
			});
			await expectError(res, 403, "ERR_APIKEY_NO_SELF_ACTION", NO_SELF_ACTION);
		}
		expect((await h.call("GET", "/v3/users", { key: h.seed.restApiKey })).status).toBe(200);
	});

	test("a bad scope is 400 and an unknown key is 404", async () => {
		await expectError(
			await h.call("PUT", `/v3/apikeys/${credentialId(h.seed.authKey)}`, {
				key: h.seed.restApiKey,
				body: { scope: "x" },
			}),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{ scope: ["The selected scope is invalid."] },
		);
		await expectError(
			await h.call("PUT", "/v3/apikeys/lkak_00000000000000000000", { key: h.seed.restApiKey, body: { name: "x" } }),
			404,
			"ERR_APIKEY_NOT_FOUND",
			"The Api Key lkak_00000000000000000000.******** does not exist.",
		);
	});
});

describe("DELETE /v3/apikeys/{apiKey}", () => {
	test("deletes another key, which stops working at once", async () => {
		const key = await createKey({ name: "doomed", scope: "fullAccess" });
		const res = await h.call("DELETE", `/v3/apikeys/${key.apiKey}`, { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: { success: true, message: `The Api Key ${masked(key.id)} has been deleted successfully.` },
		});
		await expectError(
			await h.call("GET", "/v3/users", { key: key.apiKey }),
			401,
			"AUTH_ERR_APIKEY_NOT_FOUND",
			`The key ${masked(key.id)} does not exist. Please use correct apiKey.`,
		);
		await expectError(
			await h.call("DELETE", `/v3/apikeys/${key.id}`, { key: h.seed.restApiKey }),
			404,
			"ERR_APIKEY_NOT_FOUND",
			`The Api Key ${masked(key.id)} does not exist.`,
		);
	});

	test("a key may not delete itself: 403 ERR_APIKEY_NO_SELF_ACTION", async () => {
		const res = await h.call("DELETE", `/v3/apikeys/${credentialId(h.seed.restApiKey)}`, { key: h.seed.restApiKey });
		await expectError(res, 403, "ERR_APIKEY_NO_SELF_ACTION", NO_SELF_ACTION);
		expect((await h.call("GET", "/v3/users", { key: h.seed.restApiKey })).status).toBe(200);
	});

	test("another app's key cannot be deleted", async () => {
		const other = await createOtherApp(h);
		const otherId = credentialId(other.restApiKey);
		await expectError(
			await h.call("DELETE", `/v3/apikeys/${otherId}`, { key: h.seed.restApiKey }),
			404,
			"ERR_APIKEY_NOT_FOUND",
			`The Api Key ${masked(otherId)} does not exist.`,
		);
		expect((await h.call("GET", "/v3/users", { key: other.restApiKey, headers: { appid: other.app.id } })).status).toBe(
			200,
		);
	});
});

describe("api keys: credentials", () => {
	const ROUTES: Array<{ method: string; path: (target: string) => string; body?: unknown }> = [
		{ method: "POST", path: () => "/v3/apikeys", body: { name: "x" } },
		{ method: "GET", path: () => "/v3/apikeys" },
		{ method: "GET", path: (target) => `/v3/apikeys/${target}` },
		{ method: "PUT", path: (target) => `/v3/apikeys/${target}`, body: { name: "x" } },
		{ method: "DELETE", path: (target) => `/v3/apikeys/${target}` },
		{ method: "POST", path: (target) => `/v3/apikeys/${target}/rotate`, body: { overlapSeconds: 0 } },
	];

	/** The app's keys, without `lastUsedAt` (a refused request may still record the use of a genuine key). */
	async function listKeysUnused(): Promise<unknown> {
		const list = (await readJSON(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }))) as {
			data: Array<Record<string, unknown>>;
		};
		return list.data.map(({ lastUsedAt: _lastUsedAt, ...key }) => key);
	}

	/** Calls the route against the Auth Key's id and checks that the keys were left alone. */
	async function callRefused(route: (typeof ROUTES)[number], key: string | undefined): Promise<Response> {
		const before = await listKeysUnused();
		const res = await h.call(route.method, route.path(credentialId(h.seed.authKey)), {
			body: route.body,
			...(key !== undefined && { key }),
		});
		expect(await listKeysUnused()).toEqual(before);
		return res;
	}

	for (const route of ROUTES) {
		const label = `${route.method} ${route.path(":apiKey")}`;

		test(`${label} without a key is 401 AUTH_ERR_EMPTY_APIKEY`, async () => {
			await expectError(
				await callRefused(route, undefined),
				401,
				"AUTH_ERR_EMPTY_APIKEY",
				"The apiKey is missing in the headers.",
			);
		});

		test(`${label} with a wrong key is 401 AUTH_ERR_APIKEY_NOT_FOUND`, async () => {
			await expectError(
				await callRefused(route, "wrong-key-value"),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				"The key ******** does not exist. Please use correct apiKey.",
			);
		});

		test(`${label} with an authOnly key is 403 AUTH_ERR_NO_ACCESS`, async () => {
			await expectError(
				await callRefused(route, h.seed.authKey),
				403,
				"AUTH_ERR_NO_ACCESS",
				`The key ${masked(credentialId(h.seed.authKey))} cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
			);
		});

		test(`${label} with another app's fullAccess key is 401 AUTH_ERR_APIKEY_NOT_FOUND`, async () => {
			const other = await createOtherApp(h);
			await expectError(
				await callRefused(route, other.restApiKey),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				`The key ${masked(credentialId(other.restApiKey))} does not exist. Please use correct apiKey.`,
			);
		});

		test(`${label} with a deleted key is 401 AUTH_ERR_APIKEY_NOT_FOUND`, async () => {
			const key = await createKey({ name: "tmp", scope: "fullAccess" });
			expect((await h.call("DELETE", `/v3/apikeys/${key.id}`, { key: h.seed.restApiKey })).status).toBe(200);
			await expectError(
				await callRefused(route, key.apiKey),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				`The key ${masked(key.id)} does not exist. Please use correct apiKey.`,
			);
		});
	}

	test("a key demoted to authOnly loses /apikeys at once", async () => {
		const key = await createKey({ name: "admin", scope: "fullAccess" });
		expect((await h.call("GET", "/v3/apikeys", { key: key.apiKey })).status).toBe(200);
		await h.call("PUT", `/v3/apikeys/${key.id}`, { key: h.seed.restApiKey, body: { scope: "authOnly" } });
		expect((await h.call("GET", "/v3/apikeys", { key: key.apiKey })).status).toBe(403);
	});
});

// Issue 15: key expiry, lastUsedAt and rotation. The clock is h.clock (ManualClock, starting at T0).

function notFound(id: string): string {
	return `The key ${masked(id)} does not exist. Please use correct apiKey.`;
}

/** The whole key object as GET /v3/apikeys/{id} answers it. */
async function getKey(id: string, key = h.seed.restApiKey): Promise<Record<string, unknown>> {
	const res = await h.call("GET", `/v3/apikeys/${id}`, { key });
	expect(res.status).toBe(200);
	return ((await readJSON(res)) as { data: Record<string, unknown> }).data;
}

async function expectExpired(key: string): Promise<void> {
	await expectError(
		await h.call("GET", "/v3/users", { key }),
		401,
		"AUTH_ERR_APIKEY_NOT_FOUND",
		notFound(credentialId(key)),
		{ reason: "expired" },
	);
}

describe("API key expiry (expiresAt)", () => {
	test("create and update take expiresAt in unix seconds; null removes it", async () => {
		const res = await h.call("POST", "/v3/apikeys", {
			key: h.seed.restApiKey,
			body: { name: "Temp", scope: "fullAccess", expiresAt: T0 + 3600 },
		});
		const created = (await readJSON(res)) as { data: { apiKey: string; id: string } };
		expect({ status: res.status, body: created }).toEqual({
			status: 200,
			body: {
				data: {
					apiKey: expect.stringMatching(KEY_PATTERN),
					id: expect.any(String),
					name: "Temp",
					scope: "fullAccess",
					createdAt: T0,
					expiresAt: T0 + 3600,
					lastUsedAt: null,
				},
			},
		});
		const id = created.data.id;
		const base = { apiKey: masked(id), id, name: "Temp", scope: "fullAccess", createdAt: T0, lastUsedAt: null };
		await expectResponse(
			await h.call("PUT", `/v3/apikeys/${id}`, { key: h.seed.restApiKey, body: { expiresAt: T0 + 60 } }),
			200,
			{ data: { ...base, expiresAt: T0 + 60 } },
		);
		expect(await getKey(id)).toEqual({ ...base, expiresAt: T0 + 60 });
		await expectResponse(
			await h.call("PUT", `/v3/apikeys/${id}`, { key: h.seed.restApiKey, body: { expiresAt: null } }),
			200,
			{ data: { ...base, expiresAt: null } },
		);
		// Without an expiry it keeps working, however late.
		h.clock.advance(10 * 365 * 24 * 3600 * 1000);
		expect((await h.call("GET", "/v3/users", { key: created.data.apiKey })).status).toBe(200);
	});

	test("key expiry at the boundary: one second before works, at the boundary refused with reason expired", async () => {
		const key = await createKey({ name: "Short", scope: "fullAccess", expiresAt: T0 + 60 });
		// The first use caches the key: the refusal below comes from the cache.
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
		expect(h.cache.stats().apiKeys).toBeGreaterThan(0);
		h.clock.advance(59_000);
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
		h.clock.advance(1000);
		await expectExpired(key.apiKey);
		h.clock.advance(3600_000);
		await expectExpired(key.apiKey);
		// An expired key is still listed, so an operator sees why it fails.
		expect((await getKey(key.id)).expiresAt).toBe(T0 + 60);
	});

	test("an expired key with a wrong secret gets the plain answer: the reason is for the key's holder only", async () => {
		const key = await createKey({ name: "Short", scope: "fullAccess", expiresAt: T0 + 1 });
		h.clock.advance(1000);
		await expectError(
			await h.call("GET", "/v3/users", { key: `${key.id}.${"Z".repeat(43)}` }),
			401,
			"AUTH_ERR_APIKEY_NOT_FOUND",
			notFound(key.id),
		);
	});

	test("an expired Auth Key cannot log users in or create them", async () => {
		const key = await createKey({ name: "Web", expiresAt: T0 + 5 });
		h.clock.advance(5000);
		for (const [method, path] of [
			["POST", "/v3/users/superhero1/auth_tokens"],
			["POST", "/v3/users"],
		] as const) {
			await expectError(
				await h.call(method, path, { key: key.apiKey, body: { uid: "newbie", name: "N" } }),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				notFound(key.id),
				{ reason: "expired" },
			);
		}
	});

	test("an expiry set on a cached key applies at once; removing it revives the key", async () => {
		const key = await createKey({ name: "Cached", scope: "fullAccess" });
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
		h.clock.advance(1000);
		const put = await h.call("PUT", `/v3/apikeys/${key.id}`, { key: h.seed.restApiKey, body: { expiresAt: T0 + 2 } });
		expect(put.status).toBe(200);
		h.clock.advance(999);
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
		h.clock.advance(1);
		await expectExpired(key.apiKey);
		const cleared = await h.call("PUT", `/v3/apikeys/${key.id}`, { key: h.seed.restApiKey, body: { expiresAt: null } });
		expect(cleared.status).toBe(200);
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
	});

	test("an expired key counts as a failed authentication of the address", async () => {
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(Date.UTC(2026, 11, 7, 9, 0, 0));
		const limited = await createHarness({ rateLimits: new RateLimits({ ipFailuresPerMinute: 1 }) });
		try {
			const created = await limited.call("POST", "/v3/apikeys", {
				key: limited.seed.restApiKey,
				body: { name: "Short", scope: "fullAccess", expiresAt: T0 + 1 },
			});
			const key = ((await readJSON(created)) as { data: { apiKey: string; id: string } }).data;
			limited.clock.advance(1000);
			const address = "203.0.113.9";
			await expectError(
				await limited.call("GET", "/v3/users", { key: key.apiKey, address }),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				notFound(key.id),
				{ reason: "expired" },
			);
			await expectError(
				await limited.call("GET", "/v3/users", { key: "wrong", address }),
				429,
				"ERR_TOO_MANY_REQUESTS",
				"Too many requests. Try again in 60 seconds.",
				{ scope: "address", retryAfterSeconds: 60 },
			);
		} finally {
			await limited.close();
			vi.useRealTimers();
		}
	});

	test("bad expiresAt on create and update is 400 with details.expiresAt", async () => {
		const cases: Array<[unknown, string]> = [
			["soon", "The expiresAt must be a number."],
			[T0 + 0.5, "The expiresAt must be an integer."],
			[T0 * 1000, "The expiresAt may not be greater than 253402300799."],
			[-1, "The expiresAt must be at least 0."],
			[T0, "The expiresAt must be a time after now."],
			[T0 - 60, "The expiresAt must be a time after now."],
		];
		const target = credentialId(h.seed.authKey);
		for (const [expiresAt, message] of cases) {
			await expectError(
				await h.call("POST", "/v3/apikeys", { key: h.seed.restApiKey, body: { name: "x", expiresAt } }),
				400,
				"ERR_BAD_REQUEST",
				BAD_REQUEST,
				{ expiresAt: [message] },
			);
			await expectError(
				await h.call("PUT", `/v3/apikeys/${target}`, { key: h.seed.restApiKey, body: { expiresAt } }),
				400,
				"ERR_BAD_REQUEST",
				BAD_REQUEST,
				{ expiresAt: [message] },
			);
		}
		expect(await getKey(target)).toEqual(seededKeys()[1]);
		const list = (await readJSON(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }))) as {
			data: unknown[];
		};
		expect(list.data).toHaveLength(2);
	});
});

describe("API key lastUsedAt", () => {
	test("null until used; a use shows at once and is written behind, at most once a minute per key", async () => {
		const key = await createKey({ name: "Backend", scope: "fullAccess" });
		expect((await getKey(key.id)).lastUsedAt).toBeNull();
		h.clock.advance(5000);
		const touch = vi.spyOn(h.store, "touchApiKey");
		for (let i = 0; i < 20; i++) {
			expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
			h.clock.advance(1000);
		}
		expect(await getKey(key.id)).toEqual({
			apiKey: masked(key.id),
			id: key.id,
			name: "Backend",
			scope: "fullAccess",
			createdAt: T0,
			expiresAt: null,
			lastUsedAt: T0 + 5,
		});
		expect(touch).not.toHaveBeenCalledWith(key.id, expect.anything());
		expect((await h.store.getApiKey(key.id))?.lastUsedAt).toBeUndefined();
		await h.cache.flush();
		expect(touch.mock.calls.filter(([id]) => id === key.id)).toEqual([[key.id, (T0 + 5) * 1000]]);
		expect((await h.store.getApiKey(key.id))?.lastUsedAt).toBe((T0 + 5) * 1000);
		// A minute after the recorded use, the next use is recorded again.
		h.clock.advance(40_000);
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
		const list = (await readJSON(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }))) as {
			data: Array<{ id: string; lastUsedAt: number | null }>;
		};
		expect(list.data.find((listed) => listed.id === key.id)?.lastUsedAt).toBe(T0 + 65);
	});
});

describe("POST /v3/apikeys/{apiKey}/rotate", () => {
	test("answers a new key with the same name and scope, shown once; the old one expires overlapSeconds later", async () => {
		const old = await createKey({ name: "Web", scope: "authOnly" });
		expect((await h.call("POST", "/v3/users", { key: old.apiKey, body: { uid: "u1", name: "U" } })).status).toBe(200);
		h.clock.advance(10_000);
		const res = await h.call("POST", `/v3/apikeys/${old.id}/rotate`, {
			key: h.seed.restApiKey,
			body: { overlapSeconds: 60 },
		});
		expect(res.headers.get("cache-control")).toBe("no-store");
		const rotated = (await readJSON(res)) as { data: { apiKey: string; id: string } };
		expect({ status: res.status, body: rotated }).toEqual({
			status: 200,
			body: {
				data: {
					apiKey: expect.stringMatching(KEY_PATTERN),
					id: expect.any(String),
					name: "Web",
					scope: "authOnly",
					createdAt: T0 + 10,
					expiresAt: null,
					lastUsedAt: null,
				},
			},
		});
		expect(rotated.data.id).not.toBe(old.id);
		expect(credentialId(rotated.data.apiKey)).toBe(rotated.data.id);
		expect(h.eventsOf("apikey.created", "apikey.updated").slice(-2)).toEqual([
			{ type: "apikey.created", appId: h.seed.app.id, keyId: rotated.data.id },
			{ type: "apikey.updated", appId: h.seed.app.id, keyId: old.id },
		]);
		expect(await getKey(old.id)).toEqual({
			apiKey: masked(old.id),
			id: old.id,
			name: "Web",
			scope: "authOnly",
			createdAt: T0,
			expiresAt: T0 + 70,
			lastUsedAt: T0,
		});
		expect(await getKey(rotated.data.id)).toEqual({
			apiKey: masked(rotated.data.id),
			id: rotated.data.id,
			name: "Web",
			scope: "authOnly",
			createdAt: T0 + 10,
			expiresAt: null,
			lastUsedAt: null,
		});
		// The rotated key keeps its scope: it may create users, not list them.
		expect((await h.call("GET", "/v3/users", { key: rotated.data.apiKey })).status).toBe(403);

		h.clock.advance(59_000);
		expect((await h.call("POST", "/v3/users", { key: old.apiKey, body: { uid: "u2", name: "U" } })).status).toBe(200);
		h.clock.advance(1000);
		await expectError(
			await h.call("POST", "/v3/users", { key: old.apiKey, body: { uid: "u3", name: "U" } }),
			401,
			"AUTH_ERR_APIKEY_NOT_FOUND",
			notFound(old.id),
			{ reason: "expired" },
		);
		expect(
			(await h.call("POST", "/v3/users", { key: rotated.data.apiKey, body: { uid: "u3", name: "U" } })).status,
		).toBe(200);
	});

	test("a key may rotate itself; overlapSeconds 0 ends the old key at once", async () => {
		const res = await h.call("POST", `/v3/apikeys/${h.seed.restApiKey}/rotate`, {
			key: h.seed.restApiKey,
			body: { overlapSeconds: 0 },
		});
		const rotated = (await readJSON(res)) as { data: { apiKey: string; id: string } };
		expect({ status: res.status, body: rotated }).toEqual({
			status: 200,
			body: {
				data: {
					apiKey: expect.stringMatching(KEY_PATTERN),
					id: expect.any(String),
					name: "Rest API Key",
					scope: "fullAccess",
					createdAt: T0,
					expiresAt: null,
					lastUsedAt: null,
				},
			},
		});
		await expectExpired(h.seed.restApiKey);
		expect(await getKey(credentialId(h.seed.restApiKey), rotated.data.apiKey)).toEqual({
			...seededKeys()[0],
			expiresAt: T0,
		});
	});

	test("a rotation never lengthens the old key's life", async () => {
		const old = await createKey({ name: "Soon", scope: "fullAccess", expiresAt: T0 + 10 });
		const res = await h.call("POST", `/v3/apikeys/${old.id}/rotate`, {
			key: h.seed.restApiKey,
			body: { overlapSeconds: 3600 },
		});
		expect(res.status).toBe(200);
		expect((await getKey(old.id)).expiresAt).toBe(T0 + 10);
		h.clock.advance(10_000);
		await expectExpired(old.apiKey);
	});

	test("at the app's cap of 25 keys a rotation is 403 ERR_PLAN_QUOTA_RESTRICTION and changes nothing", async () => {
		const keys = [];
		for (let i = 0; i < 23; i++) keys.push(await createKey({ name: `k${i}` }));
		const target = keys[0]?.id as string;
		await expectError(
			await h.call("POST", `/v3/apikeys/${target}/rotate`, { key: h.seed.restApiKey, body: { overlapSeconds: 60 } }),
			403,
			"ERR_PLAN_QUOTA_RESTRICTION",
			"The allowed limit of 25 API keys for this app has been reached. Delete a key before creating another.",
		);
		expect((await getKey(target)).expiresAt).toBeNull();
		const list = (await readJSON(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }))) as { meta: unknown };
		expect(list.meta).toEqual({ pagination: { total: 25, count: 25, per_page: 100, current_page: 1, total_pages: 1 } });
	});

	test("bad overlapSeconds is 400 with details.overlapSeconds, and nothing is rotated", async () => {
		const target = credentialId(h.seed.authKey);
		const cases: Array<[Record<string, unknown>, string]> = [
			[{}, "The overlapSeconds field is required."],
			[{ overlapSeconds: null }, "The overlapSeconds must have a value."],
			[{ overlapSeconds: "60" }, "The overlapSeconds must be a number."],
			[{ overlapSeconds: 1.5 }, "The overlapSeconds must be an integer."],
			[{ overlapSeconds: -1 }, "The overlapSeconds must be at least 0."],
			[{ overlapSeconds: 2_592_001 }, "The overlapSeconds may not be greater than 2592000."],
		];
		for (const [body, message] of cases) {
			await expectError(
				await h.call("POST", `/v3/apikeys/${target}/rotate`, { key: h.seed.restApiKey, body }),
				400,
				"ERR_BAD_REQUEST",
				BAD_REQUEST,
				{ overlapSeconds: [message] },
			);
		}
		await expectResponse(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }), 200, {
			data: inListOrder(seededKeys()),
			meta: { pagination: { total: 2, count: 2, per_page: 100, current_page: 1, total_pages: 1 } },
		});
	});

	test("an unknown key, a wrong secret and another app's key are 404; the other app's key is untouched", async () => {
		await expectError(
			await h.call("POST", "/v3/apikeys/lkak_00000000000000000000/rotate", {
				key: h.seed.restApiKey,
				body: { overlapSeconds: 0 },
			}),
			404,
			"ERR_APIKEY_NOT_FOUND",
			"The Api Key lkak_00000000000000000000.******** does not exist.",
		);
		const authId = credentialId(h.seed.authKey);
		await expectError(
			await h.call("POST", `/v3/apikeys/${authId}.${"Z".repeat(43)}/rotate`, {
				key: h.seed.restApiKey,
				body: { overlapSeconds: 0 },
			}),
			404,
			"ERR_APIKEY_NOT_FOUND",
			`The Api Key ${masked(authId)} does not exist.`,
		);
		const other = await createOtherApp(h);
		const otherId = credentialId(other.restApiKey);
		await expectError(
			await h.call("POST", `/v3/apikeys/${otherId}/rotate`, { key: h.seed.restApiKey, body: { overlapSeconds: 0 } }),
			404,
			"ERR_APIKEY_NOT_FOUND",
			`The Api Key ${masked(otherId)} does not exist.`,
		);
		h.clock.advance(3600_000);
		const theirs = await h.call("GET", "/v3/apikeys", { key: other.restApiKey, headers: { appid: other.app.id } });
		const listed = (await readJSON(theirs)) as { data: Array<{ expiresAt: number | null }>; meta: unknown };
		expect(theirs.status).toBe(200);
		expect(listed.data.map((key) => key.expiresAt)).toEqual([null, null]);
		await expectResponse(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }), 200, {
			data: inListOrder(seededKeys(T0 + 3600)),
			meta: { pagination: { total: 2, count: 2, per_page: 100, current_page: 1, total_pages: 1 } },
		});
	});
});
