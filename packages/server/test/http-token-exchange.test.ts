import type { Hono } from "hono";
import { exportSPKI, importJWK, type JWTPayload, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createAuditRecorder, SYSTEM_CONTEXT } from "../src/audit/recorder.ts";
import { maskCredential } from "../src/domain/secrets.ts";
import { createApp } from "../src/http/app.ts";
import type { Env } from "../src/http/context.ts";
import { RateLimits } from "../src/web/rate-limits.ts";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, credentialId, expectError, expectResponse, readJSON, T0, TOKEN_PATTERN } from "./helpers.ts";
import { encodeSegment, TestIssuer } from "./identity-issuer.ts";

// POST /v3.0/auth_tokens/exchange (issue 18): an identity provider's JWT for an auth token, with only the appid.

const ISSUER = "https://login.example.test/";
const AUDIENCE = "chat-web";

let h: Harness;
let issuer: TestIssuer;
beforeEach(async () => {
	h = await createHarness();
	issuer = TestIssuer.offline(ISSUER);
	await issuer.addKey("key-1");
});
afterEach(async () => {
	vi.useRealTimers();
	await h.close();
});

/** The harness clock's now, in the JWT's unix seconds. */
function nowSeconds(): number {
	return Math.floor(h.clock.now() / 1000);
}

/** Claims of a token that is valid now unless the test overrides them. */
function claims(overrides: JWTPayload = {}): JWTPayload {
	return { sub: "alice", aud: AUDIENCE, iat: nowSeconds(), exp: nowSeconds() + 300, ...overrides };
}

/** Trusts `trusted` (inline key set unless `body` says otherwise) in the harness's app, or in `appKey`'s app. */
async function addProvider(
	body: Record<string, unknown> = {},
	options: { trusted?: TestIssuer; appId?: string; key?: string } = {},
): Promise<string> {
	const trusted = options.trusted ?? issuer;
	const res = await h.call("POST", "/v3/identity_providers", {
		key: options.key ?? h.seed.restApiKey,
		...(options.appId && { headers: { appid: options.appId } }),
		body: {
			issuer: trusted.issuer,
			jwks: trusted.jwks(),
			audiences: [AUDIENCE],
			algorithms: ["ES256", "RS256"],
			...body,
		},
	});
	expect(res.status).toBe(200);
	return ((await res.json()) as { data: { id: string } }).data.id;
}

async function exchange(body: unknown, options: { address?: string; appId?: string } = {}): Promise<Response> {
	return await h.call("POST", "/v3.0/auth_tokens/exchange", {
		body,
		...(options.address && { address: options.address }),
		...(options.appId && { headers: { appid: options.appId } }),
	});
}

async function expectRefused(res: Response, reason: string, message: string): Promise<void> {
	await expectError(res, 401, "AUTH_ERR_INVALID_IDENTITY_TOKEN", message, { reason });
}

const MESSAGES = {
	signature: "The identity token's signature could not be verified.",
	malformed: "The identity token is not a well-formed signed JWT.",
	expired: "The identity token has expired.",
	notYetValid: "The identity token is not valid yet.",
	issuer: "The identity token's issuer is not a trusted identity provider of this app.",
	audience: "The identity token's audience is not accepted by its identity provider.",
	algorithmNotAllowed: "The identity token's algorithm is not allowed.",
	algorithmOfProvider: "The identity token's algorithm is not accepted by its identity provider.",
	unknownKid: "No key of the identity provider matches the identity token.",
	notAUid: "The identity token's sub claim is not a valid uid.",
	otherSubject: "The uid the identity token maps to belongs to another subject.",
};

describe("a valid token", () => {
	test("creates the user on first sight and answers it with a new auth token, as POST /users withAuthToken does", async () => {
		await addProvider({ nameClaim: "name", avatarClaim: "picture" });
		const token = await issuer.sign(claims({ name: "Alice Liddell", picture: "https://cdn.example.test/a.png" }));
		const res = await exchange({ token });
		const body = (await readJSON(res)) as { data: { authToken: string } };
		expect(res.status).toBe(200);
		expect(res.headers.get("cache-control")).toBe("no-store");
		expect(body.data.authToken).toMatch(TOKEN_PATTERN);
		expect(body).toEqual({
			data: {
				uid: "alice",
				name: "Alice Liddell",
				avatar: "https://cdn.example.test/a.png",
				status: "offline",
				role: "default",
				createdAt: T0,
				authToken: body.data.authToken,
			},
		});
		expect(h.eventsOf("user.created", "token.created")).toEqual([
			{ type: "user.created", appId: h.seed.app.id, uid: "alice" },
			{ type: "token.created", appId: h.seed.app.id, uid: "alice", tokenId: body.data.authToken.split(".")[0] },
		]);
		// login(authToken) of the SDKs: PUT /me with the minted token.
		const me = await h.call("PUT", "/v3.0/me", { token: body.data.authToken });
		expect(me.status).toBe(200);
		expect(((await me.json()) as { data: { uid: string } }).data.uid).toBe("alice");
	});

	test("signs the same subject in again as the same user, minting a new token each time", async () => {
		await addProvider();
		const first = (await readJSON(await exchange({ token: await issuer.sign(claims()) }))) as {
			data: { authToken: string };
		};
		h.clock.advance(60_000);
		const again = await exchange({ token: await issuer.sign(claims()) });
		const second = (await readJSON(again)) as { data: { uid: string; authToken: string } };
		expect(again.status).toBe(200);
		expect(second.data.uid).toBe("alice");
		expect(second.data.authToken).not.toBe(first.data.authToken);
		expect(h.eventsOf("user.created")).toHaveLength(1);
		expect(h.eventsOf("token.created")).toHaveLength(2);
	});

	test("accepts RFC 8693's subject_token, the /v3 path, and device fields for the token", async () => {
		await addProvider();
		const res = await h.call("POST", "/v3/auth_tokens/exchange", {
			body: { subject_token: await issuer.sign(claims()), platform: "WEB", deviceId: "device-1" },
		});
		const data = ((await readJSON(res)) as { data: { authToken: string } }).data;
		expect(res.status).toBe(200);
		const listed = await h.call("GET", "/v3/users/alice/auth_tokens", { key: h.seed.restApiKey });
		const tokens = ((await listed.json()) as { data: Array<Record<string, unknown>> }).data;
		expect(tokens.map((token) => [token.id, token.platform, token.deviceId])).toEqual([
			[data.authToken.split(".")[0], "WEB", "device-1"],
		]);
	});

	test("an existing user (made over REST) signs in without being changed; the uid claim is folded to lower case", async () => {
		await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "bob", name: "Bob" } });
		await addProvider({ createUsers: false, nameClaim: "name" });
		const res = await exchange({ token: await issuer.sign(claims({ sub: "BOB", name: "Someone else" })) });
		const data = ((await readJSON(res)) as { data: Record<string, unknown> }).data;
		expect(res.status).toBe(200);
		expect([data.uid, data.name]).toEqual(["bob", "Bob"]);
	});

	test("is accepted within the provider's clock skew of exp, nbf and iat", async () => {
		await addProvider({ clockSkewSeconds: 30 });
		const skewed = claims({ exp: nowSeconds() - 29, nbf: nowSeconds() + 29, iat: nowSeconds() + 29 });
		expect((await exchange({ token: await issuer.sign(skewed) })).status).toBe(200);
	});

	test("needs no API key, and a browser may call it (CORS preflight and header)", async () => {
		await addProvider();
		const preflight = await h.app.request("/v3.0/auth_tokens/exchange", {
			method: "OPTIONS",
			headers: { origin: "https://app.example.test", "access-control-request-method": "POST" },
		});
		expect(preflight.status).toBe(204);
		expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
		expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
		expect(preflight.headers.get("access-control-allow-headers")).toContain("appid");
		const res = await exchange({ token: await issuer.sign(claims()) });
		expect(res.status).toBe(200);
		expect(res.headers.get("access-control-allow-origin")).toBe("*");
	});
});

describe("refused tokens: 401 AUTH_ERR_INVALID_IDENTITY_TOKEN with details.reason", () => {
	beforeEach(async () => {
		await addProvider();
	});

	test("wrong aud: audience", async () => {
		await expectRefused(
			await exchange({ token: await issuer.sign(claims({ aud: "another-client" })) }),
			"audience",
			MESSAGES.audience,
		);
	});

	test("expired beyond the clock skew: expired", async () => {
		const token = await issuer.sign(claims({ exp: nowSeconds() - 61 }));
		await expectRefused(await exchange({ token }), "expired", MESSAGES.expired);
	});

	test("a token with no exp at all: claim", async () => {
		const { exp: _exp, ...noExp } = claims();
		await expectRefused(
			await exchange({ token: await issuer.sign(noExp) }),
			"claim",
			"The identity token's exp claim is missing or invalid.",
		);
	});

	test("nbf in the future beyond the skew: not_yet_valid", async () => {
		const token = await issuer.sign(claims({ nbf: nowSeconds() + 61 }));
		await expectRefused(await exchange({ token }), "not_yet_valid", MESSAGES.notYetValid);
	});

	test("iat in the future beyond the skew: not_yet_valid", async () => {
		const token = await issuer.sign(claims({ iat: nowSeconds() + 61 }));
		await expectRefused(await exchange({ token }), "not_yet_valid", MESSAGES.notYetValid);
	});

	test("a kid the provider's key set does not have: unknown_kid", async () => {
		const stranger = TestIssuer.offline(ISSUER);
		await stranger.addKey("key-2");
		await expectRefused(await exchange({ token: await stranger.sign(claims()) }), "unknown_kid", MESSAGES.unknownKid);
	});

	test("signed by another key under a known kid: signature", async () => {
		const forger = TestIssuer.offline(ISSUER);
		await forger.addKey("key-1");
		await expectRefused(await exchange({ token: await forger.sign(claims()) }), "signature", MESSAGES.signature);
	});

	test("a payload changed after signing: signature", async () => {
		const [header, , signature] = (await issuer.sign(claims())).split(".");
		const forged = `${header}.${encodeSegment(claims({ iss: ISSUER, sub: "admin" }))}.${signature}`;
		await expectRefused(await exchange({ token: forged }), "signature", MESSAGES.signature);
	});

	test("alg none (no signature): algorithm, before any key is looked at", async () => {
		const token = `${encodeSegment({ alg: "none", typ: "JWT" })}.${encodeSegment(claims({ iss: ISSUER }))}.`;
		await expectRefused(await exchange({ token }), "algorithm", MESSAGES.algorithmNotAllowed);
	});

	test("HS256 signed with the provider's public key as the secret: algorithm", async () => {
		const rsa = await issuer.addKey("rsa-1", "RS256");
		await h.call("PUT", `/v3/identity_providers/${await firstProviderId()}`, {
			key: h.seed.restApiKey,
			body: { jwks: issuer.jwks() },
		});
		const publicPEM = await exportSPKI((await importJWK(rsa.publicJWK, "RS256")) as Parameters<typeof exportSPKI>[0]);
		for (const secret of [publicPEM, JSON.stringify(rsa.publicJWK)]) {
			const token = await new SignJWT(claims({ iss: ISSUER }))
				.setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
				.sign(new TextEncoder().encode(secret));
			await expectRefused(await exchange({ token }), "algorithm", MESSAGES.algorithmNotAllowed);
		}
	});

	test("an asymmetric algorithm the provider does not list: algorithm", async () => {
		await issuer.addKey("ps-1", "PS256");
		const token = await issuer.sign(claims(), { kid: "ps-1" });
		await expectRefused(await exchange({ token }), "algorithm", MESSAGES.algorithmOfProvider);
	});

	test("an issuer the app does not trust: issuer", async () => {
		const unknown = TestIssuer.offline("https://evil.example.test/");
		await unknown.addKey("key-1");
		await expectRefused(await exchange({ token: await unknown.sign(claims()) }), "issuer", MESSAGES.issuer);
	});

	test("not a JWT: signature (malformed)", async () => {
		for (const token of ["not-a-jwt", "a.b.c", `${encodeSegment({ alg: "ES256" })}.@@@.x`]) {
			await expectRefused(await exchange({ token }), "signature", MESSAGES.malformed);
		}
	});

	test("no token: 400 naming the field", async () => {
		await expectError(
			await exchange({}),
			400,
			"ERR_BAD_REQUEST",
			"Failed to validate the data sent with the request.",
			{
				token: ["The token field is required."],
			},
		);
	});

	test("nothing was created by any refused token", async () => {
		await exchange({ token: await issuer.sign(claims({ aud: "x" })) });
		await exchange({ token: await issuer.sign(claims({ exp: nowSeconds() - 3600 })) });
		expect(h.eventsOf("user.created", "token.created")).toEqual([]);
	});
});

async function firstProviderId(): Promise<string> {
	const res = await h.call("GET", "/v3/identity_providers", { key: h.seed.restApiKey });
	const [first] = ((await res.json()) as { data: Array<{ id: string }> }).data;
	if (!first) throw new Error("no provider");
	return first.id;
}

describe("apps are isolated", () => {
	test("a token of an issuer another app trusts is refused here, and accepted there", async () => {
		const other = await createOtherApp(h);
		await addProvider({}, { appId: other.app.id, key: other.restApiKey });
		const token = await issuer.sign(claims());
		await expectRefused(await exchange({ token }), "issuer", MESSAGES.issuer);
		const there = await exchange({ token }, { appId: other.app.id });
		expect(there.status).toBe(200);
		// The user exists in the other app only.
		expect((await h.call("GET", "/v3/users/alice", { key: h.seed.restApiKey })).status).toBe(404);
	});

	test("a token minted by the exchange works in its own app only", async () => {
		const other = await createOtherApp(h);
		await addProvider();
		const data = (
			(await readJSON(await exchange({ token: await issuer.sign(claims()) }))) as {
				data: { authToken: string };
			}
		).data;
		const elsewhere = await h.call("PUT", "/v3.0/me", { token: data.authToken, headers: { appid: other.app.id } });
		expect(elsewhere.status).toBe(401);
	});
});

describe("createUsers and uid mapping", () => {
	test("createUsers false: an unknown uid is 404 ERR_UID_NOT_FOUND and no user is made", async () => {
		await addProvider({ createUsers: false });
		await expectError(
			await exchange({ token: await issuer.sign(claims({ sub: "carol" })) }),
			404,
			"ERR_UID_NOT_FOUND",
			"The UID carol does not exist, please make sure you have created a user with UID carol.",
		);
		expect(h.eventsOf("user.created")).toEqual([]);
	});

	test("strict: a subject that is not a valid uid (Auth0's auth0|abc123) is refused with reason claim", async () => {
		await addProvider({ uidMapping: "strict" });
		await expectRefused(
			await exchange({ token: await issuer.sign(claims({ sub: "auth0|abc123" })) }),
			"claim",
			MESSAGES.notAUid,
		);
	});

	test("sanitize: each forbidden character becomes _, after the uidPrefix", async () => {
		await addProvider({ uidMapping: "sanitize", uidPrefix: "a0-" });
		const res = await exchange({ token: await issuer.sign(claims({ sub: "auth0|abc123" })) });
		expect(((await readJSON(res)) as { data: { uid: string } }).data.uid).toBe("a0-auth0_abc123");
	});

	test("sanitize: a second subject that maps to a uid another subject holds is refused, the first still signs in", async () => {
		await addProvider({ uidMapping: "sanitize" });
		expect((await exchange({ token: await issuer.sign(claims({ sub: "auth0|abc" })) })).status).toBe(200);
		await expectRefused(
			await exchange({ token: await issuer.sign(claims({ sub: "auth0!abc" })) }),
			"claim",
			MESSAGES.otherSubject,
		);
		const again = await exchange({ token: await issuer.sign(claims({ sub: "auth0|abc" })) });
		expect(((await readJSON(again)) as { data: { uid: string } }).data.uid).toBe("auth0_abc");
	});

	test("strict: two subjects differing only in case cannot share one uid", async () => {
		await addProvider();
		expect((await exchange({ token: await issuer.sign(claims({ sub: "Dave" })) })).status).toBe(200);
		await expectRefused(
			await exchange({ token: await issuer.sign(claims({ sub: "dave" })) }),
			"claim",
			MESSAGES.otherSubject,
		);
	});

	test("two subjects racing for one uid: exactly one signs in, the other is refused with reason claim", async () => {
		await addProvider({ uidMapping: "sanitize" });
		const [first, second] = await Promise.all([
			exchange({ token: await issuer.sign(claims({ sub: "race|x" })) }),
			exchange({ token: await issuer.sign(claims({ sub: "race!x" })) }),
		]);
		expect([first.status, second.status].sort()).toEqual([200, 401]);
		const refused = first.status === 401 ? first : second;
		await expectRefused(refused, "claim", MESSAGES.otherSubject);
		expect(h.eventsOf("user.created")).toHaveLength(1);
	});

	test("a deactivated user is refused with 404, as with every login", async () => {
		await addProvider();
		expect((await exchange({ token: await issuer.sign(claims()) })).status).toBe(200);
		await h.call("DELETE", "/v3/users/alice", { key: h.seed.restApiKey, body: {} });
		await expectError(
			await exchange({ token: await issuer.sign(claims()) }),
			404,
			"ERR_UID_NOT_FOUND",
			"The UID alice does not exist, please make sure you have created a user with UID alice.",
		);
	});

	test("a subject keeps its uid when the provider's mapping changes later", async () => {
		const id = await addProvider({ uidMapping: "sanitize" });
		await exchange({ token: await issuer.sign(claims({ sub: "auth0|erin" })) });
		await h.call("PUT", `/v3/identity_providers/${id}`, { key: h.seed.restApiKey, body: { uidPrefix: "x-" } });
		const res = await exchange({ token: await issuer.sign(claims({ sub: "auth0|erin" })) });
		expect(((await readJSON(res)) as { data: { uid: string } }).data.uid).toBe("auth0_erin");
	});

	test("a uid claim other than sub, and a missing claim refused with reason claim", async () => {
		await addProvider({ uidClaim: "user_id" });
		const res = await exchange({ token: await issuer.sign(claims({ sub: "ignored", user_id: "frank" })) });
		expect(((await readJSON(res)) as { data: { uid: string } }).data.uid).toBe("frank");
		await expectRefused(
			await exchange({ token: await issuer.sign(claims()) }),
			"claim",
			"The identity token has no usable user_id claim.",
		);
	});
});

describe("a remote key set (jwksUri on a loopback issuer)", () => {
	let remote: TestIssuer;
	let app: Hono<Env>;
	beforeEach(async () => {
		// jose's key set cache and cooldown read Date.now(): only the date is faked, timers run as usual.
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(Date.UTC(2026, 0, 1));
		remote = await TestIssuer.serve();
		await remote.addKey("old");
		app = createApp({ ...h.deps, identityProviders: { allowHttp: true } });
	});
	afterEach(async () => {
		await remote.close();
	});

	async function call(method: string, path: string, body: unknown, key?: string): Promise<Response> {
		return await app.request(path, {
			method,
			headers: { appid: h.seed.app.id, "content-type": "application/json", ...(key && { apikey: key }) },
			body: JSON.stringify(body),
		});
	}

	async function addRemoteProvider(): Promise<void> {
		const body = { issuer: remote.issuer, jwksUri: remote.jwksUri, audiences: [AUDIENCE], algorithms: ["ES256"] };
		expect((await call("POST", "/v3/identity_providers", body, h.seed.restApiKey)).status).toBe(200);
	}

	test("is fetched once and cached; a rotated key is fetched on its new kid after the cooldown; a removed key is refused", async () => {
		await addRemoteProvider();
		const exchangeRemote = async (kid: string): Promise<Response> =>
			await call("POST", "/v3.0/auth_tokens/exchange", { token: await remote.sign(claims(), { kid }) });
		expect((await exchangeRemote("old")).status).toBe(200);
		expect((await exchangeRemote("old")).status).toBe(200);
		expect(remote.fetches).toBe(1);

		// The issuer rotates: a new key is published and the old one withdrawn.
		await remote.addKey("new");
		remote.removeKey("old");
		// Within the cooldown after the last fetch an unknown kid costs no fetch.
		vi.setSystemTime(Date.UTC(2026, 0, 1) + 10_000);
		await expectRefused(await exchangeRemote("new"), "unknown_kid", MESSAGES.unknownKid);
		expect(remote.fetches).toBe(1);
		// After it, the unknown kid fetches the set again and the new key verifies.
		vi.setSystemTime(Date.UTC(2026, 0, 1) + 31_000);
		expect((await exchangeRemote("new")).status).toBe(200);
		expect(remote.fetches).toBe(2);
		// The withdrawn key is gone from the refetched set: refused, and within the cooldown without a fetch.
		await expectRefused(await exchangeRemote("old"), "unknown_kid", MESSAGES.unknownKid);
		expect(remote.fetches).toBe(2);
	});

	test("a key set that cannot be fetched refuses with unknown_kid and says so", async () => {
		await addRemoteProvider();
		await remote.close();
		await expectRefused(
			await call("POST", "/v3.0/auth_tokens/exchange", { token: await remote.sign(claims()) }),
			"unknown_kid",
			"The identity provider's keys could not be loaded.",
		);
	});

	test("without LATCHKEY_IDP_ALLOW_HTTP an http key set URL is refused when the provider is added", async () => {
		const body = { issuer: remote.issuer, jwksUri: remote.jwksUri, audiences: [AUDIENCE], algorithms: ["ES256"] };
		await expectError(
			await h.call("POST", "/v3/identity_providers", { key: h.seed.restApiKey, body }),
			400,
			"ERR_BAD_REQUEST",
			"Failed to validate the data sent with the request.",
			{ jwksUri: ["The jwksUri must be an https URL."] },
		);
	});
});

describe("rate limits", () => {
	test("refused tokens count against the client's address; over budget even a valid token is 429", async () => {
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(Date.UTC(2026, 11, 7, 9, 0, 0));
		await h.close();
		h = await createHarness({ rateLimits: new RateLimits({ ipFailuresPerMinute: 3 }) });
		await addProvider();
		const bad = await issuer.sign(claims({ aud: "wrong" }));
		for (let attempt = 1; attempt <= 3; attempt++) {
			await expectRefused(await exchange({ token: bad }, { address: "203.0.113.9" }), "audience", MESSAGES.audience);
		}
		// The third failure spent the budget: the address is refused before its token is looked at.
		await expectResponse(await exchange({ token: await issuer.sign(claims()) }, { address: "203.0.113.9" }), 429, {
			error: {
				code: "ERR_TOO_MANY_REQUESTS",
				message: "Too many requests. Try again in 60 seconds.",
				devMessage: "Too many requests. Try again in 60 seconds.",
				source: "chat-api",
				details: { scope: "address", retryAfterSeconds: 60 },
			},
		});
		// Another address is not affected.
		expect((await exchange({ token: await issuer.sign(claims()) }, { address: "203.0.113.10" })).status).toBe(200);
	});

	test("a verified identity spends its user's login budget", async () => {
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(Date.UTC(2026, 11, 7, 9, 0, 0));
		await h.close();
		h = await createHarness({ rateLimits: new RateLimits({ uidLoginPointsPerMinute: 2 }) });
		await addProvider();
		expect((await exchange({ token: await issuer.sign(claims()) })).status).toBe(200);
		expect((await exchange({ token: await issuer.sign(claims()) })).status).toBe(200);
		const third = await exchange({ token: await issuer.sign(claims()) });
		expect(third.status).toBe(429);
		expect(((await third.json()) as { error: { details: { scope: string } } }).error.details.scope).toBe("user");
	});
});

describe("the audit log", () => {
	test("records user.created, token.created and login.succeeded (method exchange), and login.failed with the code", async () => {
		await addProvider();
		const failures: unknown[] = [];
		const audit = createAuditRecorder(h.cache.store, SYSTEM_CONTEXT, {
			clock: h.clock,
			onError: (error) => failures.push(error),
		});
		const app = createApp({ ...h.deps, audit });
		const post = async (token: string): Promise<Response> =>
			await app.request(
				"/v3.0/auth_tokens/exchange",
				{
					method: "POST",
					headers: { appid: h.seed.app.id, "content-type": "application/json", "user-agent": "AuditTest/1.0" },
					body: JSON.stringify({ token }),
				},
				{ incoming: { socket: { remoteAddress: "203.0.113.7" } } },
			);

		const ok = await post(await issuer.sign(claims()));
		const minted = ((await ok.json()) as { data: { authToken: string } }).data.authToken;
		expect((await post(await issuer.sign(claims({ aud: "wrong" })))).status).toBe(401);
		// Another subject whose uid folds to alice's: refused after verification, so the uid is known.
		expect((await post(await issuer.sign(claims({ sub: "ALICE" })))).status).toBe(401);
		const rows = (await h.store.listAuditEvents(h.seed.app.id, { limit: 100 })).reverse();
		const client = { ip: "203.0.113.7", userAgent: "AuditTest/1.0" };
		const anonymous = { kind: "user", id: null };
		const masked = maskCredential(credentialId(minted));
		expect(
			rows.map(({ type, actor, subject, ip, userAgent, details }) => ({
				type,
				actor,
				subject,
				ip,
				userAgent,
				details,
			})),
		).toEqual([
			{ type: "user.created", actor: anonymous, subject: "alice", ...client, details: { uid: "alice" } },
			{ type: "token.created", actor: anonymous, subject: masked, ...client, details: { uid: "alice" } },
			{
				type: "login.succeeded",
				actor: anonymous,
				subject: "alice",
				...client,
				details: { uid: "alice", method: "exchange", tokenId: masked },
			},
			{
				type: "login.failed",
				actor: anonymous,
				subject: null,
				...client,
				details: { method: "exchange", code: "AUTH_ERR_INVALID_IDENTITY_TOKEN" },
			},
			{
				type: "login.failed",
				actor: anonymous,
				subject: "alice",
				...client,
				details: { uid: "alice", method: "exchange", code: "AUTH_ERR_INVALID_IDENTITY_TOKEN" },
			},
		]);
		expect(failures).toEqual([]);
	});
});
