import type { Hono } from "hono";
import { afterAll, afterEach, beforeEach, describe, expect, test } from "vitest";
import type { AuditEvent } from "../src/audit/audit-event.ts";
import { createAuditRecorder, SYSTEM_CONTEXT } from "../src/audit/recorder.ts";
import { MAX_AUTH_TOKENS_PER_USER } from "../src/domain/auth-tokens.ts";
import { maskCredential } from "../src/domain/secrets.ts";
import type { Env } from "../src/http/context.ts";
import type { AuditStore } from "../src/store/audit-log.ts";
import { createWebApp } from "../src/web-app.ts";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, credentialId, expectError, expectResponse, readJSON } from "./helpers.ts";

// Issue 16: the audit log. Every event type the REST API records, whole rows; the list route with its filters and
// cursor; cross-app isolation; a recording failure never fails the request; no secret in any column of any row.

let h: Harness;
/** Failures the recorder reported (its onError): none unless a test breaks the store on purpose. */
let recordFailures: unknown[];
/** Every audit row any test of this file wrote, every column: scanned for secrets at the end. */
const everyRow: Array<Record<string, unknown>> = [];
/** Every credential plaintext any test saw: none of their secrets may be in a row. */
const seenSecrets = new Set<string>();

const ADDRESS = "203.0.113.7";
const AGENT = "AuditTest/1.0";
const INVALID = "Failed to validate the data sent with the request.";
const EVENT_ID = expect.stringMatching(/^evt_[0-9a-f]{32}$/);

beforeEach(async () => {
	h = await createHarness();
	recordFailures = [];
	useRecorder(h.cache.store);
	seenSecrets.add(h.seed.restApiKey);
	seenSecrets.add(h.seed.authKey);
});

afterEach(async () => {
	everyRow.push(
		...((await h.store.db.selectFrom("audit_log").selectAll().execute()) as Array<Record<string, unknown>>),
	);
	await h.close();
});

afterAll(() => {
	// Credential-shaped values with anything but the mask after the dot, and every secret seen, anywhere.
	const credential = /lk(at|ak)_[0-9a-f]{20}\.(?!\*{8})/;
	const secrets = [...seenSecrets].map((plaintext) => plaintext.slice(plaintext.indexOf(".") + 1));
	expect(everyRow.length).toBeGreaterThan(50);
	for (const row of everyRow) {
		for (const [column, value] of Object.entries(row)) {
			const text = String(value);
			expect({ column, text, found: credential.test(text) }).toEqual({ column, text, found: false });
			for (const secret of secrets) expect(text.includes(secret), `${column} holds a secret`).toBe(false);
		}
	}
});

/** The harness's app has no recorder (older suites run without one): this file's app is built with one. */
let app: Hono<Env>;

function useRecorder(store: Pick<AuditStore, "insertAuditEvents">): void {
	const audit = createAuditRecorder(store, SYSTEM_CONTEXT, {
		clock: h.clock,
		onError: (error) => recordFailures.push(error),
	});
	app = createWebApp({ ...h.deps, audit });
}

/** A request from ADDRESS with AGENT as its user agent, as h.call makes them. */
async function call(
	method: string,
	path: string,
	options: { key?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
	const headers: Record<string, string> = { appid: h.seed.app.id, "user-agent": AGENT, ...options.headers };
	if (options.key !== undefined) headers.apikey = options.key;
	if (options.token !== undefined) headers.authtoken = options.token;
	if (options.body !== undefined) headers["content-type"] = "application/json";
	const body = options.body === undefined ? undefined : JSON.stringify(options.body);
	const env = { incoming: { socket: { remoteAddress: ADDRESS } } };
	return await app.request(path, { method, headers, ...(body !== undefined && { body }) }, env);
}

/** Every audit row of the seeded app, oldest first, as the API shows them. */
async function auditRows(appId = h.seed.app.id): Promise<AuditEvent[]> {
	const rows = await h.store.listAuditEvents(appId, { limit: 1000 });
	return rows.reverse();
}

async function rowsAfter(action: () => Promise<unknown>): Promise<AuditEvent[]> {
	const before = (await auditRows()).length;
	await action();
	return (await auditRows()).slice(before);
}

function row(
	type: AuditEvent["type"],
	actor: AuditEvent["actor"],
	subject: string | null,
	details: Record<string, unknown>,
	client: { ip: string | null; userAgent: string | null } = { ip: ADDRESS, userAgent: AGENT },
): AuditEvent {
	return { id: EVENT_ID, type, appId: h.seed.app.id, actor, subject, ...client, details, createdAt: h.clock.now() };
}

const restKey = (): AuditEvent["actor"] => ({ kind: "apiKey", id: credentialId(h.seed.restApiKey) });
const authKey = (): AuditEvent["actor"] => ({ kind: "apiKey", id: credentialId(h.seed.authKey) });
const user = (uid: string): AuditEvent["actor"] => ({ kind: "user", id: uid });
const SYSTEM: AuditEvent["actor"] = { kind: "system", id: null };

async function login(uid: string, key = h.seed.authKey): Promise<string> {
	const res = await call("POST", `/v3.0/users/${uid}/auth_tokens`, { key, body: { platform: "WEB" } });
	expect(res.status).toBe(200);
	const { authToken } = ((await res.json()) as { data: { authToken: string } }).data;
	seenSecrets.add(authToken);
	return authToken;
}

describe("logins and tokens", () => {
	test("an Auth Key login records token.created and login.succeeded (method authKey) in the login's write", async () => {
		let token = "";
		const rows = await rowsAfter(async () => {
			token = await login("superhero1");
		});
		const masked = maskCredential(credentialId(token));
		expect(rows).toEqual([
			row("token.created", authKey(), masked, { uid: "superhero1", platform: "WEB" }),
			row("login.succeeded", authKey(), "superhero1", { uid: "superhero1", method: "authKey", tokenId: masked }),
		]);
		expect(recordFailures).toEqual([]);
	});

	test("a token minted with the REST API key is token.created only: the backend, not a login", async () => {
		let token = "";
		const rows = await rowsAfter(async () => {
			token = await login("superhero2", h.seed.restApiKey);
		});
		expect(rows).toEqual([
			row("token.created", restKey(), maskCredential(credentialId(token)), { uid: "superhero2", platform: "WEB" }),
		]);
	});

	test("failed Auth Key logins of a known app record login.failed with the error code; others record nothing", async () => {
		const rows = await rowsAfter(async () => {
			expect((await call("POST", "/v3.0/users/nobody/auth_tokens", { key: h.seed.authKey, body: {} })).status).toBe(
				404,
			);
			const wrongKey = `${credentialId(h.seed.authKey)}.${"A".repeat(43)}`;
			expect((await call("POST", "/v3.0/users/superhero1/auth_tokens", { key: wrongKey, body: {} })).status).toBe(401);
			// A deactivated user cannot log in.
			expect((await call("DELETE", "/v3/users/superhero3", { key: h.seed.restApiKey, body: {} })).status).toBe(200);
			expect((await call("POST", "/v3.0/users/superhero3/auth_tokens", { key: h.seed.authKey, body: {} })).status).toBe(
				404,
			);
		});
		expect(rows).toEqual([
			row("login.failed", authKey(), "nobody", { uid: "nobody", method: "authKey", code: "ERR_UID_NOT_FOUND" }),
			row("login.failed", { kind: "apiKey", id: null }, "superhero1", {
				uid: "superhero1",
				method: "authKey",
				code: "AUTH_ERR_APIKEY_NOT_FOUND",
			}),
			row("user.deactivated", restKey(), "superhero3", { uid: "superhero3" }),
			row("login.failed", authKey(), "superhero3", { uid: "superhero3", method: "authKey", code: "ERR_UID_NOT_FOUND" }),
		]);
		// Not a login: the backend's failure, bad input, an unknown app.
		const none = await rowsAfter(async () => {
			expect((await call("POST", "/v3/users/nobody/auth_tokens", { key: h.seed.restApiKey, body: {} })).status).toBe(
				404,
			);
			const bad = await call("POST", "/v3/users/superhero1/auth_tokens", {
				key: h.seed.authKey,
				body: { platform: 5 },
			});
			expect(bad.status).toBe(400);
			const unknownApp = await call("POST", "/v3/users/superhero1/auth_tokens", {
				key: h.seed.authKey,
				body: {},
				headers: { appid: "nosuchapp" },
			});
			expect(unknownApp.status).toBe(401);
		});
		expect(none).toEqual([]);
	});

	test("login(authToken) (PUT /me) records login.succeeded as the user; a wrong token login.failed; GET /me nothing", async () => {
		const token = await login("superhero1");
		const masked = maskCredential(credentialId(token));
		const rows = await rowsAfter(async () => {
			expect((await call("PUT", "/v3.0/me", { token, body: { platform: "WEB" } })).status).toBe(200);
			expect((await call("GET", "/v3.0/me", { token })).status).toBe(200);
			const wrong = `${credentialId(token)}.${"A".repeat(43)}`;
			expect((await call("PUT", "/v3.0/me", { token: wrong, body: { platform: "WEB" } })).status).toBe(401);
			expect((await call("GET", "/v3.0/me", { token: wrong })).status).toBe(401);
		});
		expect(rows).toEqual([
			row("login.succeeded", user("superhero1"), "superhero1", {
				uid: "superhero1",
				method: "authToken",
				tokenId: masked,
			}),
			row("login.failed", { kind: "user", id: null }, null, {
				method: "authToken",
				code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			}),
		]);
	});

	test("a profile update over PUT /me is user.updated by the user, not a login", async () => {
		const token = await login("superhero1");
		const rows = await rowsAfter(() => call("PUT", "/v3.0/me", { token, body: { name: "Tony" } }));
		expect(rows).toEqual([
			row("user.updated", user("superhero1"), "superhero1", { uid: "superhero1", fields: ["name"] }),
		]);
	});

	test("token.revoked says why: logged_out (the user), revoked and flushed (the API key), evicted, expired (the system)", async () => {
		const loggedOut = await login("superhero1");
		const revoked = await login("superhero1");
		const mask = (token: string): string => maskCredential(credentialId(token));
		const rows = await rowsAfter(async () => {
			expect((await call("DELETE", "/v3.0/me", { token: loggedOut })).status).toBe(200);
			const path = `/v3/users/superhero1/auth_tokens/${credentialId(revoked)}`;
			expect((await call("DELETE", path, { key: h.seed.restApiKey })).status).toBe(200);
		});
		expect(rows).toEqual([
			row("token.revoked", user("superhero1"), mask(loggedOut), { uid: "superhero1", reason: "logged_out" }),
			row("token.revoked", restKey(), mask(revoked), { uid: "superhero1", reason: "revoked" }),
		]);

		const flushedA = await login("superhero2");
		const flushedB = await login("superhero2");
		const flushed = await rowsAfter(() =>
			call("DELETE", "/v3/users/superhero2/auth_tokens", { key: h.seed.restApiKey }),
		);
		expect(flushed.sort((a, b) => String(a.subject).localeCompare(String(b.subject)))).toEqual(
			[flushedA, flushedB]
				.map(mask)
				.sort()
				.map((subject) => row("token.revoked", restKey(), subject, { uid: "superhero2", reason: "flushed" })),
		);
	});

	test("the 101st token evicts the oldest: token.revoked reason evicted", async () => {
		const first = await login("superhero4", h.seed.restApiKey);
		// Tokens of one millisecond are evicted in id order: the first must be older.
		h.clock.advance(1);
		for (let i = 1; i < MAX_AUTH_TOKENS_PER_USER; i++) await login("superhero4", h.seed.restApiKey);
		let newest = "";
		const rows = await rowsAfter(async () => {
			newest = await login("superhero4", h.seed.restApiKey);
		});
		expect(rows).toEqual([
			row("token.created", restKey(), maskCredential(credentialId(newest)), { uid: "superhero4", platform: "WEB" }),
			row("token.revoked", restKey(), maskCredential(credentialId(first)), { uid: "superhero4", reason: "evicted" }),
		]);
	});

	test("an expired token is ended by the system: token.revoked reason expired", async () => {
		const token = await login("superhero5");
		await call("PUT", "/v3/security", { key: h.seed.restApiKey, body: { tokenMaxLifetimeSeconds: 3600 } });
		h.clock.advance(3_600_000);
		const rows = await rowsAfter(async () => {
			expect((await call("GET", "/v3.0/me", { token })).status).toBe(401);
		});
		expect(rows).toEqual([
			row(
				"token.revoked",
				SYSTEM,
				maskCredential(credentialId(token)),
				{ reason: "expired" },
				{ ip: null, userAgent: null },
			),
		]);
	});
});

describe("users, keys and settings", () => {
	test("user.created, user.updated, user.deactivated, user.reactivated, user.deleted (with its tokens revoked)", async () => {
		let token = "";
		const rows = await rowsAfter(async () => {
			expect(
				(await call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "Alice", name: "Alice" } })).status,
			).toBe(200);
			expect(
				(await call("PUT", "/v3/users/alice", { key: h.seed.authKey, body: { name: "Alice B.", unset: ["avatar"] } }))
					.status,
			).toBe(200);
			expect((await call("DELETE", "/v3/users/alice", { key: h.seed.restApiKey, body: {} })).status).toBe(200);
			expect(
				(await call("PUT", "/v3/users", { key: h.seed.restApiKey, body: { uidsToActivate: ["alice"] } })).status,
			).toBe(200);
		});
		expect(rows).toEqual([
			row("user.created", restKey(), "alice", { uid: "alice" }),
			row("user.updated", authKey(), "alice", { uid: "alice", fields: ["name", "unset.avatar"] }),
			row("user.deactivated", restKey(), "alice", { uid: "alice" }),
			row("user.reactivated", restKey(), "alice", { uid: "alice" }),
		]);
		token = await login("alice");
		const deleted = await rowsAfter(() =>
			call("DELETE", "/v3/users/alice", { key: h.seed.restApiKey, body: { permanent: true } }),
		);
		expect(deleted).toEqual([
			row("user.deleted", restKey(), "alice", { uid: "alice", permanent: true }),
			row("token.revoked", restKey(), maskCredential(credentialId(token)), { uid: "alice", reason: "user_deleted" }),
		]);
	});

	test("apikey.created, apikey.updated, apikey.rotated, apikey.deleted name the key by its id", async () => {
		let keyId = "";
		let newKeyId = "";
		const rows = await rowsAfter(async () => {
			const created = await call("POST", "/v3/apikeys", {
				key: h.seed.restApiKey,
				body: { name: "CI", scope: "fullAccess" },
			});
			const key = ((await created.json()) as { data: { apiKey: string } }).data.apiKey;
			seenSecrets.add(key);
			keyId = credentialId(key);
			expect(
				(await call("PUT", `/v3/apikeys/${keyId}`, { key: h.seed.restApiKey, body: { name: "CI 2" } })).status,
			).toBe(200);
			const rotated = await call("POST", `/v3/apikeys/${keyId}/rotate`, {
				key: h.seed.restApiKey,
				body: { overlapSeconds: 60 },
			});
			const next = ((await rotated.json()) as { data: { apiKey: string } }).data.apiKey;
			seenSecrets.add(next);
			newKeyId = credentialId(next);
			expect((await call("DELETE", `/v3/apikeys/${keyId}`, { key: h.seed.restApiKey })).status).toBe(200);
		});
		expect(rows).toEqual([
			row("apikey.created", restKey(), keyId, { name: "CI", scope: "fullAccess", expiresAt: null }),
			row("apikey.updated", restKey(), keyId, { name: "CI 2" }),
			row("apikey.rotated", restKey(), keyId, { newKeyId, oldKeyExpiresAt: h.clock.now() + 60_000 }),
			row("apikey.deleted", restKey(), keyId, { name: "CI 2", scope: "fullAccess" }),
		]);
	});

	test("security.updated records the changes", async () => {
		const rows = await rowsAfter(() =>
			call("PUT", "/v3/security", {
				key: h.seed.restApiKey,
				body: { authKeyLogin: "disabled", tokenIdleTimeoutSeconds: 600 },
			}),
		);
		expect(rows).toEqual([
			row("security.updated", restKey(), h.seed.app.id, {
				changes: { authKeyLogin: "disabled", tokenIdleTimeoutSeconds: 600 },
			}),
		]);
	});
});

describe("GET /v3/audit_log", () => {
	async function list(query = "", key = h.seed.restApiKey, prefix = "/v3"): Promise<Response> {
		return await call("GET", `${prefix}/audit_log${query}`, { key });
	}

	test("answers the app's events newest first, on /v3 and /v3.0", async () => {
		await login("superhero1");
		const stored = await auditRows();
		for (const prefix of ["/v3", "/v3.0"]) {
			await expectResponse(await list("", h.seed.restApiKey, prefix), 200, {
				data: [...stored].reverse(),
				meta: { cursor: { next: null } },
			});
		}
	});

	test("pages with an opaque cursor until meta.cursor.next is null; events of one millisecond are not skipped", async () => {
		for (let i = 0; i < 3; i++) await login("superhero1");
		h.clock.advance(1);
		for (let i = 0; i < 2; i++) await login("superhero2");
		const expected = (await auditRows()).reverse();
		expect(expected).toHaveLength(10);
		const seen: AuditEvent[] = [];
		let query = "?limit=3";
		for (let page = 0; page < 10; page++) {
			const body = (await readJSON(await list(query))) as {
				data: AuditEvent[];
				meta: { cursor: { next: string | null } };
			};
			seen.push(...body.data);
			if (body.meta.cursor.next === null) break;
			query = `?limit=3&cursor=${encodeURIComponent(body.meta.cursor.next)}`;
		}
		expect(seen).toEqual(expected);
	});

	test("filters by type, uid, since and until (unix ms or ISO 8601)", async () => {
		await login("superhero1");
		h.clock.advance(60_000);
		const later = h.clock.now();
		await login("superhero2");
		const body = async (query: string): Promise<AuditEvent[]> =>
			((await readJSON(await list(query))) as { data: AuditEvent[] }).data;
		expect((await body("?type=login.succeeded")).map((event) => event.subject)).toEqual(["superhero2", "superhero1"]);
		expect((await body("?uid=SuperHero1")).map((event) => event.type)).toEqual(["login.succeeded", "token.created"]);
		expect((await body(`?since=${later}`)).map((event) => event.details.uid)).toEqual(["superhero2", "superhero2"]);
		expect((await body(`?until=${later}`)).map((event) => event.details.uid)).toEqual(["superhero1", "superhero1"]);
		expect(
			(await body(`?since=${new Date(later).toISOString()}&type=token.created`)).map((event) => event.subject),
		).toEqual([(await body("?type=token.created&limit=1"))[0]?.subject]);
	});

	test("a malformed parameter is 400 naming it", async () => {
		const cases: Array<[string, string, string]> = [
			[
				"?type=user.exploded",
				"type",
				"The type must be one of user.created, user.updated, user.deactivated, user.reactivated, user.deleted, token.created, token.revoked, login.succeeded, login.failed, apikey.created, apikey.updated, apikey.deleted, apikey.rotated, security.updated, webhook.created, webhook.deleted.",
			],
			["?uid=a%20b", "uid", "The uid may only contain letters, numbers, dashes and underscores."],
			["?since=yesterday", "since", "The since must be a time in unix milliseconds or an ISO 8601 date-time."],
			[
				"?until=2026-13-45T99:00:00Z",
				"until",
				"The until must be a time in unix milliseconds or an ISO 8601 date-time.",
			],
			["?limit=0", "limit", "The limit must be an integer between 1 and 100."],
			["?limit=101", "limit", "The limit must be an integer between 1 and 100."],
			["?limit=ten", "limit", "The limit must be an integer between 1 and 100."],
			["?cursor=nonsense", "cursor", "The cursor is not one this API answered."],
			[
				`?cursor=${Buffer.from(JSON.stringify([1, "x' or 1=1"])).toString("base64url")}`,
				"cursor",
				"The cursor is not one this API answered.",
			],
		];
		for (const [query, field, message] of cases) {
			await expectError(await list(query), 400, "ERR_BAD_REQUEST", INVALID, { [field]: [message] });
		}
	});

	test("needs the REST API key: none is 401, an Auth Key 403, another app's key 401", async () => {
		await expectError(
			await call("GET", "/v3/audit_log"),
			401,
			"AUTH_ERR_EMPTY_APIKEY",
			"The apiKey is missing in the headers.",
		);
		await expectError(
			await list("", h.seed.authKey),
			403,
			"AUTH_ERR_NO_ACCESS",
			`The key ${maskCredential(credentialId(h.seed.authKey))} cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
		);
		const other = await createOtherApp(h);
		const res = await list("", other.restApiKey);
		expect(res.status).toBe(401);
		const post = await call("POST", "/v3/audit_log", { key: h.seed.restApiKey, body: {} });
		expect({ status: post.status, allow: post.headers.get("allow") }).toEqual({ status: 405, allow: "GET, OPTIONS" });
	});

	test("an app sees only its own events", async () => {
		const other = await createOtherApp(h);
		seenSecrets.add(other.restApiKey);
		seenSecrets.add(other.authKey);
		await login("superhero1");
		const res = await call("POST", "/v3.0/users/superhero1/auth_tokens", {
			key: other.authKey,
			body: {},
			headers: { appid: other.app.id },
		});
		seenSecrets.add(((await res.json()) as { data: { authToken: string } }).data.authToken);
		const ours = (await readJSON(await list())) as { data: AuditEvent[] };
		const theirs = (await readJSON(
			await call("GET", "/v3/audit_log", { key: other.restApiKey, headers: { appid: other.app.id } }),
		)) as { data: AuditEvent[] };
		expect(ours.data.map((event) => event.appId)).toEqual([h.seed.app.id, h.seed.app.id]);
		expect(theirs.data.map((event) => event.appId)).toEqual([other.app.id, other.app.id]);
		expect(new Set([...ours.data, ...theirs.data].map((event) => event.id)).size).toBe(4);
	});
});

describe("recording never fails the request", () => {
	test("a failed insert after the change is reported, and the change stands", async () => {
		useRecorder({
			insertAuditEvents: async () => {
				throw new Error("disk full");
			},
		});
		const res = await call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "bob", name: "Bob" } });
		expect(res.status).toBe(200);
		expect(recordFailures).toEqual([new Error("disk full")]);
	});

	test("a failing hook in the login's own write is reported, and the login is written again without its rows", async () => {
		h.store.setOnAuditRows(async () => {
			throw new Error("outbox full");
		});
		let token = "";
		const rows = await rowsAfter(async () => {
			token = await login("superhero1");
		});
		expect(rows).toEqual([]);
		expect(recordFailures).toEqual([new Error("outbox full")]);
		expect((await call("GET", "/v3.0/me", { token })).status).toBe(200);
	});

	test("the hook runs in the audit insert's transaction with the events inserted", async () => {
		const hooked: AuditEvent[][] = [];
		h.store.setOnAuditRows(async (trx, events) => {
			const { count } = await trx
				.selectFrom("audit_log")
				.select((eb) => eb.fn.countAll<number | string>().as("count"))
				.where(
					"id",
					"in",
					events.map((event) => event.id),
				)
				.executeTakeFirstOrThrow();
			expect(Number(count)).toBe(events.length);
			hooked.push(events);
		});
		await login("superhero1");
		await call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "carol", name: "Carol" } });
		expect(hooked.map((events) => events.map((event) => event.type))).toEqual([
			["token.created", "login.succeeded"],
			["user.created"],
		]);
		expect(recordFailures).toEqual([]);
	});
});

describe("the store", () => {
	// SQLite takes at most 32,766 parameters a statement and PostgreSQL 65,535: 11 columns a row fail past
	// 2,978 and 5,957 rows. A bulk import records one event per user, so one call may carry many.
	test("inserts a batch of 7,000 events in one call, every one of them", async () => {
		const events: AuditEvent[] = Array.from({ length: 7000 }, (_, index) => ({
			id: `evt_${index.toString(16).padStart(32, "0")}`,
			type: "user.created",
			appId: h.seed.app.id,
			actor: { kind: "cli", id: null },
			subject: `user${index}`,
			ip: null,
			userAgent: null,
			details: { uid: `user${index}` },
			createdAt: Date.UTC(2026, 0, 1) + index,
		}));
		await h.store.insertAuditEvents(events);
		const counted = await h.store.db
			.selectFrom("audit_log")
			.select((eb) => eb.fn.countAll<number | string>().as("n"))
			.where("app_id", "=", h.seed.app.id)
			.where("type", "=", "user.created")
			.where("actor_kind", "=", "cli")
			.executeTakeFirstOrThrow();
		expect(Number(counted.n)).toBe(7000);
		// Made-up rows with no secret in them: kept out of the file's final scan of every row, which they would slow.
		await h.store.db.deleteFrom("audit_log").where("actor_kind", "=", "cli").execute();
	});
});
