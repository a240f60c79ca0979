import { afterEach, beforeEach, describe, expect, test } from "vitest";
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

function seededKeys(): Array<Record<string, unknown>> {
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
		},
		{ apiKey: masked(auth), id: auth, name: "Auth Key", scope: "authOnly", createdBy: "app_system", createdAt: T0 },
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
				...seededKeys(),
				{ apiKey: masked(ci.id), id: ci.id, name: "CI", scope: "fullAccess", createdAt: T0 + 1 },
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
			data: { apiKey: masked(key.id), id: key.id, name: "new", scope: "fullAccess", createdAt: T0 },
		});
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
	});

	test("an empty body changes nothing", async () => {
		const key = await createKey({ name: "same" });
		const res = await h.call("PUT", `/v3/apikeys/${key.apiKey}`, { key: h.seed.restApiKey, body: {} });
		await expectResponse(res, 200, {
			data: { apiKey: masked(key.id), id: key.id, name: "same", scope: "authOnly", createdAt: T0 },
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
	];

	/** Calls the route against the Auth Key's id and checks that the keys were left alone. */
	async function callRefused(route: (typeof ROUTES)[number], key: string | undefined): Promise<Response> {
		const before = await readJSON(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }));
		const res = await h.call(route.method, route.path(credentialId(h.seed.authKey)), {
			body: route.body,
			...(key !== undefined && { key }),
		});
		expect(await readJSON(await h.call("GET", "/v3/apikeys", { key: h.seed.restApiKey }))).toEqual(before);
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
