import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { DEFAULT_ROLE } from "../src/domain/users.ts";
import { createLogger } from "../src/logger.ts";
import { type RateLimitOptions, RateLimits } from "../src/web/rate-limits.ts";
import { createWebApp } from "../src/web-app.ts";
import { createHarness, type Harness } from "./harness.ts";
import { errorBody, expectError, expectResponse, KEY_PATTERN, readJSON, T0 } from "./helpers.ts";

/** Issue 13 item 7: CometChat's Management API (`/apps`, `key` + `secret` headers) on the server's own port. */

const KEY = "latchkey-management-key";
const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const MISSING = "The key or secret header is missing.";
const NOT_VALID = "The key and secret are not valid for the Management API.";
// rate-limiter-flexible reads Date.now(); windows start at a client's first count, on a whole minute here.
const NOW_MS = Date.UTC(2026, 11, 7, 9, 0, 0);

let h: Harness;
let app: ReturnType<typeof createWebApp>;

/** The harness's store, clock and bus, served by an app with the Management API on (and these rate limits). */
async function start(rateLimits?: RateLimitOptions): Promise<void> {
	h = await createHarness();
	app = createWebApp({
		...h.deps,
		management: { key: KEY, secret: SECRET },
		...(rateLimits && { rateLimits: new RateLimits(rateLimits) }),
	});
}

beforeEach(() => {
	vi.useFakeTimers({ toFake: ["Date"] });
	vi.setSystemTime(NOW_MS);
});
afterEach(async () => {
	vi.useRealTimers();
	await h.close();
});

interface ManageOptions {
	key?: string | null;
	secret?: string | null;
	body?: unknown;
	headers?: Record<string, string>;
	address?: string;
	target?: ReturnType<typeof createWebApp>;
}

/** A Management API request: the configured key and secret unless told otherwise (null leaves a header out). */
async function manage(method: string, path: string, options: ManageOptions = {}): Promise<Response> {
	const headers: Record<string, string> = {};
	const key = options.key === undefined ? KEY : options.key;
	const secret = options.secret === undefined ? SECRET : options.secret;
	if (key !== null) headers.key = key;
	if (secret !== null) headers.secret = secret;
	Object.assign(headers, options.headers);
	let body: string | undefined;
	if (options.body !== undefined) {
		body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
		headers["content-type"] = "application/json";
	}
	const env = options.address === undefined ? undefined : { incoming: { socket: { remoteAddress: options.address } } };
	return await (options.target ?? app).request(path, { method, headers, ...(body !== undefined && { body }) }, env);
}

/** A REST call to one app with its own credentials, through the same server. */
async function rest(
	appId: string,
	method: string,
	path: string,
	credential: { key?: string; token?: string },
	body?: unknown,
): Promise<Response> {
	const headers: Record<string, string> = { appid: appId, "content-type": "application/json" };
	if (credential.key) headers.apikey = credential.key;
	if (credential.token) headers.authtoken = credential.token;
	return await app.request(path, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
}

interface CreatedOverHTTP {
	id: string;
	restApiKey: string;
	authKey: string;
	body: { data: Record<string, unknown> };
}

async function createOverHTTP(body: Record<string, unknown>): Promise<CreatedOverHTTP> {
	const res = await manage("POST", "/apps", { body });
	expect(res.status).toBe(200);
	const json = (await res.json()) as { data: { id: string; apiKeys: Record<string, { scope: string }> } };
	const keys = Object.entries(json.data.apiKeys);
	const restApiKey = keys.find(([, key]) => key.scope === "fullAccess")?.[0] as string;
	const authKey = keys.find(([, key]) => key.scope === "authOnly")?.[0] as string;
	return { id: json.data.id, restApiKey, authKey, body: json as CreatedOverHTTP["body"] };
}

function badRequest(details: Record<string, readonly string[]>): ReturnType<typeof errorBody> {
	return errorBody("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", details);
}

describe("Management API auth negatives", () => {
	test("off (no key and secret configured): /apps answers 404 like any unknown path, even to the right pair", async () => {
		await start();
		for (const [method, path] of [
			["GET", "/apps"],
			["POST", "/apps"],
			["GET", `/apps/${h.seed.app.id}`],
			["PUT", `/apps/${h.seed.app.id}`],
			["DELETE", `/apps/${h.seed.app.id}`],
		] as const) {
			await expectError(
				await manage(method, path, { target: h.app, ...(method !== "GET" && { body: { name: "x" } }) }),
				404,
				"ERR_API_NOT_FOUND",
				`The endpoint ${method} ${path} does not exist.`,
			);
		}
		expect((await h.app.request(`/v3/users`, { headers: { appid: h.seed.app.id } })).status).toBe(401);
		expect(h.eventsOf("app.deleted", "app.updated")).toEqual([]);
		expect((await h.store.listApps()).map((app) => app.id)).toEqual([h.seed.app.id]);
	});

	test("no key, no secret, neither, or an empty one: 401 AUTH_ERR_EMPTY_AUTH_HEADER", async () => {
		await start();
		for (const options of [{ key: null }, { secret: null }, { key: null, secret: null }, { key: "" }, { secret: "" }]) {
			const res = await manage("GET", "/apps", options);
			expect(res.headers.get("cache-control")).toBe("no-store");
			await expectError(res, 401, "AUTH_ERR_EMPTY_AUTH_HEADER", MISSING);
		}
	});

	test("a wrong key, a wrong secret, the right key with another secret, or the pair swapped: 401, all alike", async () => {
		await start();
		for (const options of [
			{ key: "latchkey-management-kez" },
			{ secret: `${SECRET.slice(0, -1)}9` },
			{ secret: "another-secret-of-the-right-shape-0123456789abcdef" },
			{ secret: SECRET.slice(0, 32) },
			{ secret: `${SECRET}0` },
			{ key: "wrong-key-000", secret: "wrong-secret" },
			{ key: SECRET, secret: KEY },
			{ key: `${KEY} x`, secret: SECRET },
		]) {
			await expectError(await manage("GET", "/apps", options), 401, "AUTH_ERR_APIKEY_NOT_FOUND", NOT_VALID);
		}
	});

	test("the REST API's credentials or HTTP Basic do not authenticate a Management API call", async () => {
		await start();
		const basic = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString("base64")}`;
		const refused: Array<Record<string, string>> = [
			{ apikey: h.seed.restApiKey, appid: h.seed.app.id },
			{ authorization: basic },
			{ authorization: `Bearer ${SECRET}`, "x-key": KEY },
		];
		for (const headers of refused) {
			await expectError(
				await manage("GET", "/apps", { key: null, secret: null, headers }),
				401,
				"AUTH_ERR_EMPTY_AUTH_HEADER",
				MISSING,
			);
		}
		await expectError(
			await manage("GET", "/apps", { secret: null, headers: { apikey: SECRET } }),
			401,
			"AUTH_ERR_EMPTY_AUTH_HEADER",
			MISSING,
		);
	});

	test("header names are case-insensitive: Key/Secret and KEY/SECRET work as key/secret", async () => {
		await start();
		for (const [keyName, secretName] of [
			["Key", "Secret"],
			["KEY", "SECRET"],
			["key", "SECRET"],
		] as const) {
			const res = await manage("GET", "/apps", {
				key: null,
				secret: null,
				headers: { [keyName]: KEY, [secretName]: SECRET },
			});
			expect(res.status).toBe(200);
		}
		// The values are not: a secret in upper case is another secret.
		await expectError(
			await manage("GET", "/apps", { secret: SECRET.toUpperCase() }),
			401,
			"AUTH_ERR_APIKEY_NOT_FOUND",
			NOT_VALID,
		);
	});

	test("the pair is checked before the method or the app: a wrong one never learns what exists", async () => {
		await start();
		for (const [method, path] of [
			["PATCH", "/apps"],
			["GET", `/apps/${h.seed.app.id}`],
			["GET", "/apps/nope"],
			["DELETE", `/apps/${h.seed.app.id}`],
			["GET", "/apps/nope/extensions"],
		] as const) {
			await expectError(await manage(method, path, { secret: "wrong" }), 401, "AUTH_ERR_APIKEY_NOT_FOUND", NOT_VALID);
		}
		expect(h.eventsOf("app.deleted")).toEqual([]);
		const res = await manage("PATCH", "/apps");
		expect(res.headers.get("allow")).toBe("GET, POST, OPTIONS");
		await expectResponse(
			res,
			405,
			errorBody("ERR_METHOD_NOT_ALLOWED", "The method PATCH is not allowed on this endpoint.", {
				allowed: ["GET", "POST"],
			}),
		);
		await expectError(
			await manage("GET", "/apps/nope/extensions"),
			404,
			"ERR_API_NOT_FOUND",
			"The endpoint GET /apps/nope/extensions does not exist.",
		);
	});

	test("wrong pairs count against the address: over budget it gets 429, the right pair included; others do not", async () => {
		await start({ ipFailuresPerMinute: 3 });
		const attacker = "203.0.113.7";
		for (let i = 0; i < 3; i++) {
			await expectError(
				await manage("GET", "/apps", { secret: `guess-${i}`, address: attacker }),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				NOT_VALID,
			);
		}
		const tooMany = errorBody("ERR_TOO_MANY_REQUESTS", "Too many requests. Try again in 60 seconds.", {
			scope: "address",
			retryAfterSeconds: 60,
		});
		for (const options of [{ secret: "guess-3" }, {}, { key: null }]) {
			const res = await manage("POST", "/apps", { ...options, address: attacker, body: { name: "x" } });
			expect({ retryAfter: res.headers.get("retry-after"), limit: res.headers.get("x-rate-limit") }).toEqual({
				retryAfter: "60",
				limit: "3",
			});
			await expectResponse(res, 429, tooMany);
		}
		// The same budget as a wrong apikey: the REST API refuses the address's wrong keys too.
		await expectResponse(
			await app.request(
				"/v3/users",
				{ headers: { appid: h.seed.app.id, apikey: "wrong" } },
				{ incoming: { socket: { remoteAddress: attacker } } },
			),
			429,
			tooMany,
		);
		expect((await manage("GET", "/apps", { address: "203.0.113.8" })).status).toBe(200);
		expect((await h.store.listApps()).map((app) => app.id)).toEqual([h.seed.app.id]);
		// The window ends: the right pair works again from there.
		vi.setSystemTime(NOW_MS + 60_000);
		expect((await manage("GET", "/apps", { address: attacker })).status).toBe(200);
	});

	test("missing headers are not counted as failures", async () => {
		await start({ ipFailuresPerMinute: 2 });
		for (let i = 0; i < 5; i++) {
			await expectError(
				await manage("GET", "/apps", { secret: null, address: "203.0.113.9" }),
				401,
				"AUTH_ERR_EMPTY_AUTH_HEADER",
				MISSING,
			);
		}
		expect((await manage("GET", "/apps", { address: "203.0.113.9" })).status).toBe(200);
	});
});

describe("POST /apps", () => {
	test("creates an app with its two default keys, shown once, and five sample users", async () => {
		await start();
		const res = await manage("POST", "/apps", { body: { name: "Production", region: "eu", version: "3" } });
		expect(res.headers.get("cache-control")).toBe("no-store");
		const body = (await readJSON(res)) as { data: { id: string; apiKeys: Record<string, { scope: string }> } };
		const [restApiKey, authKey] = ["fullAccess", "authOnly"].map(
			(scope) => Object.entries(body.data.apiKeys).find(([, key]) => key.scope === scope)?.[0] as string,
		) as [string, string];
		expect(restApiKey).toMatch(KEY_PATTERN);
		expect(authKey).toMatch(KEY_PATTERN);
		expect({ status: res.status, body }).toEqual({
			status: 200,
			body: {
				data: {
					id: expect.stringMatching(/^[a-z0-9]{4,64}$/),
					name: "Production",
					region: "eu",
					state: "active",
					createdAt: T0,
					apiKeys: {
						[restApiKey]: { apiKey: restApiKey, name: "Rest API Key", scope: "fullAccess", createdBy: "app_system" },
						[authKey]: { apiKey: authKey, name: "Auth Key", scope: "authOnly", createdBy: "app_system" },
					},
				},
			},
		});
		expect(h.eventsOf("app.created").at(-1)).toEqual({ type: "app.created", appId: body.data.id });

		// The keys are never shown again: get and list have no apiKeys.
		const got = (await (await manage("GET", `/apps/${body.data.id}`)).json()) as { data: Record<string, unknown> };
		expect(JSON.stringify(got)).not.toContain(restApiKey.split(".")[1]);
	});

	test("the created app works: its REST API Key lists its users, its Auth Key logs a user in", async () => {
		await start();
		const created = await createOverHTTP({ name: "Works" });
		const users = await rest(created.id, "GET", "/v3/users", { key: created.restApiKey });
		expect(users.status).toBe(200);
		const listed = (await users.json()) as { data: Array<{ uid: string; role: string }> };
		expect(listed.data.map((user) => user.uid).sort()).toEqual([
			"superhero1",
			"superhero2",
			"superhero3",
			"superhero4",
			"superhero5",
		]);
		expect(listed.data.every((user) => user.role === DEFAULT_ROLE)).toBe(true);

		const minted = await rest(created.id, "POST", "/v3.0/users/superhero1/auth_tokens", { key: created.authKey }, {});
		expect(minted.status).toBe(200);
		const token = ((await minted.json()) as { data: { authToken: string } }).data.authToken;
		const me = await rest(created.id, "PUT", "/v3.0/me", { token }, { platform: "WEB", deviceId: "d1" });
		expect(me.status).toBe(200);
		expect(((await me.json()) as { data: { uid: string } }).data.uid).toBe("superhero1");

		// The Auth Key is authOnly, as CometChat's: it may not list users.
		expect((await rest(created.id, "GET", "/v3/users", { key: created.authKey })).status).toBe(403);
	});

	test("another app is untouched, and keys never cross apps", async () => {
		await start();
		const created = await createOverHTTP({ name: "Second", skipSampleData: true });
		const own = await rest(created.id, "GET", "/v3/users", { key: created.restApiKey });
		expect(((await own.json()) as { data: unknown[] }).data).toEqual([]);
		const seedUsers = await rest(h.seed.app.id, "GET", "/v3/users", { key: h.seed.restApiKey });
		expect(((await seedUsers.json()) as { data: unknown[] }).data).toHaveLength(5);
		expect((await rest(h.seed.app.id, "GET", "/v3/users", { key: created.restApiKey })).status).toBe(401);
		expect((await rest(created.id, "GET", "/v3/users", { key: h.seed.restApiKey })).status).toBe(401);
	});

	test("region defaults to us; unknown fields (CometChat's version, plan) are ignored", async () => {
		await start();
		const created = await createOverHTTP({ name: "Defaults", plan: "pro", owner: 1, version: "2" });
		const { apiKeys: _keys, ...app } = created.body.data;
		expect(app).toEqual({ id: created.id, name: "Defaults", region: "us", state: "active", createdAt: T0 });
	});

	test("bad input is 400 ERR_BAD_REQUEST naming each field, and creates nothing", async () => {
		await start();
		const cases: Array<[unknown, ReturnType<typeof errorBody>]> = [
			[{}, badRequest({ name: ["The name field is required."] })],
			[{ name: "   " }, badRequest({ name: ["The name field is required."] })],
			[{ name: "x".repeat(101) }, badRequest({ name: ["The name may not be greater than 100 characters."] })],
			[{ name: 42 }, badRequest({ name: ["The name must be a string."] })],
			[{ name: null }, badRequest({ name: ["The name must have a value."] })],
			[{ name: "Ok", region: "mars" }, badRequest({ region: ["The selected region is invalid."] })],
			[
				{ name: "Ok", skipSampleData: "yes" },
				badRequest({ skipSampleData: ["The skipSampleData must be a boolean."] }),
			],
			[{ name: "a\u0000b" }, badRequest({ name: ["The name may not contain NUL characters."] })],
			[
				"not json",
				errorBody("ERR_BAD_REQUEST", "The request body is not valid JSON.", {
					body: ["The request body must be valid JSON."],
				}),
			],
			[
				["Production"],
				errorBody("ERR_BAD_REQUEST", "The request body must be a JSON object.", {
					body: ["The request body must be a JSON object."],
				}),
			],
		];
		for (const [body, expected] of cases) {
			await expectResponse(await manage("POST", "/apps", { body }), 400, expected);
		}
		expect((await h.store.listApps()).map((app) => app.id)).toEqual([h.seed.app.id]);
		expect(h.eventsOf("app.created")).toHaveLength(1);
	});

	test("a body over 10 KB is 413 before anything else", async () => {
		await start();
		await expectError(
			await manage("POST", "/apps", { body: { name: "x".repeat(11 * 1024) } }),
			413,
			"ERR_PAYLOAD_TOO_LARGE",
			"The request body may not be larger than 10 KB.",
			{ maxBytes: 10 * 1024 },
		);
	});
});

describe("GET /apps and GET /apps/{appId}", () => {
	async function createThree(): Promise<string[]> {
		const ids = [h.seed.app.id];
		for (const name of ["Staging", "Production EU"]) {
			h.clock.advance(1000);
			ids.push((await createOverHTTP({ name, skipSampleData: true })).id);
		}
		return ids;
	}

	test("lists every app, oldest first, with CometChat's pagination (25 a page by default)", async () => {
		await start();
		const [seed, staging, production] = await createThree();
		await expectResponse(await manage("GET", "/apps"), 200, {
			data: [
				{ id: seed, name: "Test app", region: "us", state: "active", createdAt: T0 },
				{ id: staging, name: "Staging", region: "us", state: "active", createdAt: T0 + 1 },
				{ id: production, name: "Production EU", region: "us", state: "active", createdAt: T0 + 2 },
			],
			meta: { pagination: { total: 3, count: 3, per_page: 25, current_page: 1, total_pages: 1 } },
		});
	});

	test("searchKey filters by name or id, any case; perPage and page pick a page", async () => {
		await start();
		const [seed, staging, production] = await createThree();
		const ids = async (query: string): Promise<unknown> => {
			const res = await manage("GET", `/apps${query}`);
			const body = (await res.json()) as { data: Array<{ id: string }>; meta: unknown };
			return { ids: body.data.map((app) => app.id), meta: body.meta };
		};
		const one = (total: number, count: number, perPage: number, page: number, pages: number) => ({
			pagination: { total, count, per_page: perPage, current_page: page, total_pages: pages },
		});
		expect(await ids("?searchKey=PRODUCTION")).toEqual({ ids: [production], meta: one(1, 1, 25, 1, 1) });
		expect(await ids(`?searchKey=${staging?.slice(2, 10)}`)).toEqual({ ids: [staging], meta: one(1, 1, 25, 1, 1) });
		expect(await ids("?searchKey=nothing-like-it")).toEqual({ ids: [], meta: one(0, 0, 25, 1, 1) });
		expect(await ids("?perPage=2")).toEqual({ ids: [seed, staging], meta: one(3, 2, 2, 1, 2) });
		expect(await ids("?perPage=2&page=2")).toEqual({ ids: [production], meta: one(3, 1, 2, 2, 2) });
		expect(await ids("?perPage=2&page=3")).toEqual({ ids: [], meta: one(3, 0, 2, 3, 2) });
	});

	test("a bad perPage or page is 400", async () => {
		await start();
		for (const [query, details] of [
			["perPage=0", { perPage: ["The perPage must be an integer between 1 and 1000."] }],
			["perPage=1001", { perPage: ["The perPage must be an integer between 1 and 1000."] }],
			["perPage=", { perPage: ["The perPage must be an integer between 1 and 1000."] }],
			["perPage=abc", { perPage: ["The perPage must be a number."] }],
			["page=0", { page: ["The page must be an integer between 1 and 1000000."] }],
			["page=1.5", { page: ["The page must be an integer between 1 and 1000000."] }],
			[`searchKey=${"s".repeat(101)}`, { searchKey: ["The searchKey may not be greater than 100 characters."] }],
		] as const) {
			await expectResponse(await manage("GET", `/apps?${query}`), 400, badRequest(details));
		}
	});

	test("gets one app; an unknown one is 404 ERR_APP_NOT_FOUND", async () => {
		await start();
		const res = await manage("GET", `/apps/${h.seed.app.id}`);
		expect(res.headers.get("cache-control")).toBe("no-store");
		await expectResponse(res, 200, {
			data: { id: h.seed.app.id, name: "Test app", region: "us", state: "active", createdAt: T0 },
		});
		await expectError(await manage("GET", "/apps/nope"), 404, "ERR_APP_NOT_FOUND", "The app nope does not exist.");
		const other = await manage("POST", `/apps/${h.seed.app.id}`);
		expect(other.headers.get("allow")).toBe("GET, PUT, DELETE, OPTIONS");
		expect(other.status).toBe(405);
	});
});

describe("PUT /apps/{appId}", () => {
	test("renames the app; its id, keys, users and tokens stay; another app is untouched", async () => {
		await start();
		const other = await createOverHTTP({ name: "Other" });
		await expectResponse(await manage("PUT", `/apps/${h.seed.app.id}`, { body: { name: "  Renamed  " } }), 200, {
			data: { id: h.seed.app.id, name: "Renamed", region: "us", state: "active", createdAt: T0 },
		});
		expect(h.eventsOf("app.updated")).toEqual([{ type: "app.updated", appId: h.seed.app.id }]);
		await expectResponse(await manage("GET", `/apps/${h.seed.app.id}`), 200, {
			data: { id: h.seed.app.id, name: "Renamed", region: "us", state: "active", createdAt: T0 },
		});
		expect((await rest(h.seed.app.id, "GET", "/v3/users", { key: h.seed.restApiKey })).status).toBe(200);
		await expectResponse(await manage("GET", `/apps/${other.id}`), 200, {
			data: { id: other.id, name: "Other", region: "us", state: "active", createdAt: T0 },
		});
	});

	test("bad names are 400 and change nothing; an unknown app is 404", async () => {
		await start();
		for (const [body, details] of [
			[{}, { name: ["The name field is required."] }],
			[{ name: "" }, { name: ["The name field is required."] }],
			[{ name: "n".repeat(101) }, { name: ["The name may not be greater than 100 characters."] }],
			[{ name: ["x"] }, { name: ["The name must be a string."] }],
		] as const) {
			await expectResponse(await manage("PUT", `/apps/${h.seed.app.id}`, { body }), 400, badRequest(details));
		}
		expect((await h.store.getApp(h.seed.app.id))?.name).toBe("Test app");
		await expectError(
			await manage("PUT", "/apps/nope", { body: { name: "Fine" } }),
			404,
			"ERR_APP_NOT_FOUND",
			"The app nope does not exist.",
		);
		expect(h.eventsOf("app.updated")).toEqual([]);
	});
});

describe("DELETE /apps/{appId}", () => {
	test("deletes the app and everything of it: its keys and tokens stop working; another app is untouched", async () => {
		await start();
		const doomed = await createOverHTTP({ name: "Doomed" });
		const minted = await rest(doomed.id, "POST", "/v3/users/superhero2/auth_tokens", { key: doomed.authKey }, {});
		const token = ((await minted.json()) as { data: { authToken: string } }).data.authToken;
		const seedMinted = await rest(h.seed.app.id, "POST", "/v3/users/superhero2/auth_tokens", {
			key: h.seed.authKey,
		});
		const seedToken = ((await seedMinted.json()) as { data: { authToken: string } }).data.authToken;
		h.clock.advance(5_000);

		const res = await manage("DELETE", `/apps/${doomed.id}`);
		expect(res.headers.get("cache-control")).toBe("no-store");
		await expectResponse(res, 200, { data: { success: true, scheduledToDeleteAt: T0 + 5 } });
		expect(h.eventsOf("app.deleted")).toEqual([{ type: "app.deleted", appId: doomed.id }]);

		const gone = errorBody("AUTH_ERR_INVALID_APPID", `The appId ${doomed.id} does not exist.`);
		await expectResponse(await rest(doomed.id, "GET", "/v3/users", { key: doomed.restApiKey }), 401, gone);
		await expectResponse(await rest(doomed.id, "GET", "/v3.0/me", { token }), 401, gone);
		await expectResponse(
			await rest(doomed.id, "POST", "/v3/users/superhero1/auth_tokens", { key: doomed.authKey }, {}),
			401,
			gone,
		);
		expect(await h.store.getApp(doomed.id)).toBeNull();
		await expectError(
			await manage("GET", `/apps/${doomed.id}`),
			404,
			"ERR_APP_NOT_FOUND",
			`The app ${doomed.id} does not exist.`,
		);
		await expectError(
			await manage("DELETE", `/apps/${doomed.id}`),
			404,
			"ERR_APP_NOT_FOUND",
			`The app ${doomed.id} does not exist.`,
		);
		expect(h.eventsOf("app.deleted")).toHaveLength(1);

		// The seed app's keys, users and tokens are all still there.
		expect((await rest(h.seed.app.id, "GET", "/v3.0/me", { token: seedToken })).status).toBe(200);
		const users = await rest(h.seed.app.id, "GET", "/v3/users", { key: h.seed.restApiKey });
		expect(((await users.json()) as { data: unknown[] }).data).toHaveLength(5);
		const listed = (await (await manage("GET", "/apps")).json()) as { data: Array<{ id: string }> };
		expect(listed.data.map((app) => app.id)).toEqual([h.seed.app.id]);
	});

	test("an unknown app is 404 and deletes nothing", async () => {
		await start();
		await expectError(await manage("DELETE", "/apps/nope"), 404, "ERR_APP_NOT_FOUND", "The app nope does not exist.");
		expect(h.eventsOf("app.deleted")).toEqual([]);
		expect(await h.store.getApp(h.seed.app.id)).not.toBeNull();
	});
});

describe("logs", () => {
	test("no log line holds the management secret or a created key's secret, also when the pair is wrong", async () => {
		await start();
		const lines: string[] = [];
		const logger = createLogger("debug", { write: (line: string) => void lines.push(line) });
		const target = createWebApp({ ...h.deps, logger, management: { key: KEY, secret: SECRET } });
		const created = await manage("POST", "/apps", { target, body: { name: "Logged" } });
		const body = (await created.json()) as { data: { id: string; apiKeys: Record<string, unknown> } };
		expect((await manage("GET", `/apps/${body.data.id}`, { target, secret: `${SECRET}x` })).status).toBe(401);
		expect((await manage("DELETE", `/apps/${body.data.id}`, { target })).status).toBe(200);
		expect(lines.length).toBeGreaterThanOrEqual(3);
		const secrets = [SECRET, ...Object.keys(body.data.apiKeys).map((value) => value.split(".")[1] as string)];
		expect(lines.filter((line) => secrets.some((secret) => line.includes(secret)))).toEqual([]);
	});
});
