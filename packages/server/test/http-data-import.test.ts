import { afterEach, describe, expect, test, vi } from "vitest";
import { createAuditRecorder, SYSTEM_CONTEXT } from "../src/audit/recorder.ts";
import { RateLimits } from "../src/web/rate-limits.ts";
import { createWebApp } from "../src/web-app.ts";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, credentialId, errorBody, expectError, expectResponse, T0 } from "./helpers.ts";

// Issue 18: CometChat's POST /v3/data_import/users.

let h: Harness | undefined;
afterEach(async () => {
	vi.useRealTimers();
	await h?.close();
	h = undefined;
});

async function harness(options: Parameters<typeof createHarness>[0] = {}): Promise<Harness> {
	h = await createHarness(options);
	return h;
}

const VALIDATION = "Failed to validate the data sent with the request.";

/** A per-user failure as the answer carries it: `success: false` and the error envelope's fields. */
function failure(code: Parameters<typeof errorBody>[0], message: string, details: Record<string, unknown> = {}) {
	return { success: false, ...errorBody(code, message, details) };
}

describe("POST /v3/data_import/users", () => {
	test("creates every user, keyed as sent, with CometChat's string times, and announces each", async () => {
		const h = await harness();
		const res = await h.call("POST", "/v3/data_import/users", {
			key: h.seed.restApiKey,
			body: {
				users: {
					uid1: {
						uid: "uid1",
						name: "uid1",
						avatar: "https://example.test/a.png",
						createdAt: "1673421419",
						metadata: { key: "value" },
						lastActiveAt: "1673421425",
					},
					Ann: { name: "Ann", role: "Admin", tags: ["vip"], link: "https://example.test/ann" },
				},
			},
		});
		await expectResponse(res, 200, {
			data: {
				uid1: {
					success: true,
					data: {
						uid: "uid1",
						name: "uid1",
						avatar: "https://example.test/a.png",
						metadata: { key: "value" },
						status: "offline",
						role: "default",
						createdAt: 1673421419,
						lastActiveAt: 1673421425,
					},
				},
				Ann: {
					success: true,
					data: {
						uid: "ann",
						name: "Ann",
						link: "https://example.test/ann",
						status: "offline",
						role: "admin",
						createdAt: T0,
						tags: ["vip"],
					},
				},
			},
		});
		expect(h.eventsOf("user.created")).toEqual([
			{ type: "user.created", appId: h.seed.app.id, uid: "uid1" },
			{ type: "user.created", appId: h.seed.app.id, uid: "ann" },
		]);
		const stored = await h.call("GET", "/v3.0/users/ann", { key: h.seed.restApiKey });
		expect(((await stored.json()) as { data: { name: string } }).data.name).toBe("Ann");
	});

	test("answers per user: invalid fields, a taken uid, a key that is not the uid, a repeat and the quota fail alone", async () => {
		const h = await harness({ quotas: { maxUsersPerApp: 7 } });
		// The seeded app holds 5 sample users: room for 2 more.
		const res = await h.call("POST", "/v3/data_import/users", {
			key: h.seed.restApiKey,
			body: {
				users: {
					good: { name: "Good" },
					noname: { uid: "noname" },
					"bad uid": { name: "Bad" },
					superhero1: { name: "Taken" },
					mismatch: { uid: "other", name: "Mismatch" },
					Good: { name: "Again" },
					notanobject: "x",
					second: { name: "Second", metadata: [] },
					third: { name: "Third", createdAt: "yesterday" },
					fourth: { name: "Fourth" },
					fifth: { name: "Fifth" },
				},
			},
		});
		await expectResponse(res, 200, {
			data: {
				good: {
					success: true,
					data: { uid: "good", name: "Good", status: "offline", role: "default", createdAt: T0 },
				},
				noname: failure("ERR_BAD_REQUEST", VALIDATION, { name: ["The name field is required."] }),
				"bad uid": failure("ERR_BAD_REQUEST", VALIDATION, {
					uid: ["The uid may only contain letters, numbers, dashes and underscores."],
				}),
				superhero1: failure(
					"ERR_UID_ALREADY_EXISTS",
					"The uid superhero1 already exists. Please use another uid or try after permanently deleting the user.",
				),
				mismatch: failure("ERR_BAD_REQUEST", VALIDATION, { uid: ["The uid must be the same as its key."] }),
				Good: failure(
					"ERR_UID_ALREADY_EXISTS",
					"The uid good appears more than once; only its first row (good) is imported.",
				),
				notanobject: failure("ERR_BAD_REQUEST", VALIDATION, { body: ["The body must be an object."] }),
				second: failure("ERR_BAD_REQUEST", VALIDATION, { metadata: ["The metadata must be an object."] }),
				third: failure("ERR_BAD_REQUEST", VALIDATION, { createdAt: ["The createdAt is invalid."] }),
				fourth: {
					success: true,
					data: { uid: "fourth", name: "Fourth", status: "offline", role: "default", createdAt: T0 },
				},
				fifth: failure("ERR_PLAN_QUOTA_RESTRICTION", "The allowed limit of 7 users for this app has been reached."),
			},
		});
		expect(h.eventsOf("user.created", "user.updated")).toEqual([
			{ type: "user.created", appId: h.seed.app.id, uid: "good" },
			{ type: "user.created", appId: h.seed.app.id, uid: "fourth" },
		]);
		// The taken uid was left alone.
		const taken = await h.call("GET", "/v3/users/superhero1", { key: h.seed.restApiKey });
		expect(((await taken.json()) as { data: { name: string } }).data.name).not.toBe("Taken");
	});

	test("more than 50 users, none, or a body of the wrong shape is a 400 and imports nobody", async () => {
		const h = await harness();
		const users = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`u${i}`, { name: "n" }]));
		const call = (body: unknown) => h.call("POST", "/v3/data_import/users", { key: h.seed.restApiKey, body });
		await expectError(await call({ users }), 400, "ERR_BAD_REQUEST", VALIDATION, {
			users: ["The users may not have more than 50 items."],
		});
		await expectError(await call({ users: {} }), 400, "ERR_BAD_REQUEST", VALIDATION, {
			users: ["The users must have at least 1 item."],
		});
		await expectError(await call({}), 400, "ERR_BAD_REQUEST", VALIDATION, {
			users: ["The users field is required."],
		});
		await expectError(await call({ users: [{ uid: "a", name: "A" }] }), 400, "ERR_BAD_REQUEST", VALIDATION, {
			users: ["The users must be an object."],
		});
		await expectError(await call([]), 400, "ERR_BAD_REQUEST", "The request body must be a JSON object.", {
			body: ["The request body must be a JSON object."],
		});
		await expectError(await call("{not json"), 400, "ERR_BAD_REQUEST", "The request body is not valid JSON.", {
			body: ["The request body must be valid JSON."],
		});
		expect(h.eventsOf("user.created")).toEqual([]);
		expect((await h.call("GET", "/v3/users/u0", { key: h.seed.restApiKey })).status).toBe(404);
	});

	test("needs a fullAccess key of this app; another app's key imports nothing here, and uids are per app", async () => {
		const h = await harness();
		const body = { users: { shared: { name: "Shared" } } };
		await expectError(
			await h.call("POST", "/v3/data_import/users", { key: h.seed.authKey, body }),
			403,
			"AUTH_ERR_NO_ACCESS",
			`The key ${credentialId(h.seed.authKey)}.******** cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
		);
		await expectError(
			await h.call("POST", "/v3/data_import/users", { body }),
			401,
			"AUTH_ERR_EMPTY_APIKEY",
			"The apiKey is missing in the headers.",
		);
		const other = await createOtherApp(h);
		const wrongApp = await h.call("POST", "/v3/data_import/users", { key: other.restApiKey, body });
		expect({
			status: wrongApp.status,
			code: ((await wrongApp.json()) as { error: { code: string } }).error.code,
		}).toEqual({ status: 401, code: "AUTH_ERR_APIKEY_NOT_FOUND" });
		// The other app imports into itself only; the same uid then still imports into this one.
		const inOther = await h.call("POST", "/v3.0/data_import/users", {
			key: other.restApiKey,
			body,
			headers: { appid: other.app.id },
		});
		expect(inOther.status).toBe(200);
		expect((await h.call("GET", "/v3/users/shared", { key: h.seed.restApiKey })).status).toBe(404);
		await expectResponse(await h.call("POST", "/v3.0/data_import/users", { key: h.seed.restApiKey, body }), 200, {
			data: {
				shared: {
					success: true,
					data: { uid: "shared", name: "Shared", status: "offline", role: "default", createdAt: T0 },
				},
			},
		});
	});

	test("each created user is audited as user.created by the REST key, with the client's address; failures are not", async () => {
		const h = await harness();
		const failures: unknown[] = [];
		const audit = createAuditRecorder(h.store, SYSTEM_CONTEXT, { clock: h.clock, onError: (e) => failures.push(e) });
		const app = createWebApp({ ...h.deps, audit });
		const res = await app.request(
			"/v3/data_import/users",
			{
				method: "POST",
				headers: {
					appid: h.seed.app.id,
					apikey: h.seed.restApiKey,
					"content-type": "application/json",
					"user-agent": "importer/1",
				},
				body: JSON.stringify({ users: { ann: { name: "Ann" }, superhero1: { name: "Taken" }, bob: { name: "Bob" } } }),
			},
			{ incoming: { socket: { remoteAddress: "192.0.2.7" } } },
		);
		expect(res.status).toBe(200);
		const rows = (await h.store.listAuditEvents(h.seed.app.id, { limit: 100 })).reverse();
		expect(rows.map(({ id: _id, ...row }) => row)).toEqual(
			["ann", "bob"].map((uid) => ({
				type: "user.created",
				appId: h.seed.app.id,
				actor: { kind: "apiKey", id: credentialId(h.seed.restApiKey) },
				subject: uid,
				ip: "192.0.2.7",
				userAgent: "importer/1",
				details: { uid, method: "import" },
				createdAt: h.clock.now(),
			})),
		);
		expect(failures).toEqual([]);
	});

	test("keys named __proto__ and constructor are users like any other, answered under their keys", async () => {
		const h = await harness();
		const res = await h.call("POST", "/v3/data_import/users", {
			key: h.seed.restApiKey,
			body: '{"users":{"__proto__":{"name":"P"},"constructor":{"name":"C"}}}',
		});
		const created = (uid: string, name: string) => ({
			success: true,
			data: { uid, name, status: "offline", role: "default", createdAt: T0 },
		});
		expect({ status: res.status, text: await res.text() }).toEqual({
			status: 200,
			// Written out: an object literal's __proto__ would set its prototype, not make a key.
			text: `{"data":{"__proto__":${JSON.stringify(created("__proto__", "P"))},"constructor":${JSON.stringify(created("constructor", "C"))}}}`,
		});
		expect((await h.call("GET", "/v3/users/__proto__", { key: h.seed.restApiKey })).status).toBe(200);
	});

	test("another method is 405", async () => {
		const h = await harness();
		await expectError(
			await h.call("GET", "/v3/data_import/users", { key: h.seed.restApiKey }),
			405,
			"ERR_METHOD_NOT_ALLOWED",
			"The method GET is not allowed on this endpoint.",
			{ allowed: ["POST"] },
		);
	});

	test("60 requests a minute per app by default; over it 429 with Retry-After until the window ends", async () => {
		const T0_MS = Date.UTC(2026, 11, 7, 9, 0, 0);
		const h = await harness({ rateLimits: new RateLimits({ dataImportPerMinute: 2 }) });
		// rate-limiter-flexible reads Date.now(); only the date is faked, and only once the store is set up (the
		// PostgreSQL test schema's set-up keeps real time).
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(T0_MS);
		const call = (uid: string) =>
			h.call("POST", "/v3/data_import/users", { key: h.seed.restApiKey, body: { users: { [uid]: { name: uid } } } });
		const first = await call("a1");
		expect({ status: first.status, limit: first.headers.get("x-rate-limit") }).toEqual({ status: 200, limit: "2" });
		expect((await call("a2")).status).toBe(200);
		const refused = await call("a3");
		expect({
			retryAfter: refused.headers.get("retry-after"),
			remaining: refused.headers.get("x-rate-limit-remaining"),
			reset: refused.headers.get("x-rate-limit-reset"),
		}).toEqual({ retryAfter: "60", remaining: "0", reset: String(T0_MS / 1000 + 60) });
		await expectError(refused, 429, "ERR_TOO_MANY_REQUESTS", "Too many requests. Try again in 60 seconds.", {
			scope: "dataImport",
			retryAfterSeconds: 60,
		});
		expect((await h.call("GET", "/v3/users/a3", { key: h.seed.restApiKey })).status).toBe(404);
		// Other routes are not counted against this budget, and another app has a budget of its own.
		expect((await h.call("GET", "/v3/users", { key: h.seed.restApiKey })).status).toBe(200);
		const other = await createOtherApp(h);
		const otherImport = await h.call("POST", "/v3/data_import/users", {
			key: other.restApiKey,
			headers: { appid: other.app.id },
			body: { users: { b1: { name: "b1" } } },
		});
		expect(otherImport.status).toBe(200);
		vi.setSystemTime(T0_MS + 60_000);
		expect((await call("a3")).status).toBe(200);
		expect(new RateLimits().options.dataImportPerMinute).toBe(60);
	});
});
