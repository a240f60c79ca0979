import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";
import {
	createOtherApp,
	createUserOverHTTP,
	credentialId,
	expectError,
	expectResponse,
	mintToken,
	readJSON,
	T0,
} from "./helpers.ts";

/** Issue 15: the revocation ladder, `POST /v3/users/{uid}/auth_tokens/revoke` and `POST /v3/auth_tokens/revoke`. */

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

const BAD_REQUEST = "Failed to validate the data sent with the request.";
const SESSION_NOT_FOUND =
	"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.";
const UID_NOT_FOUND = (uid: string): string =>
	`The UID ${uid} does not exist, please make sure you have created a user with UID ${uid}.`;
const TOKEN_NOT_FOUND = (uid: string): string => `The auth token does not exist for the UID ${uid}.`;

/** Whether the token still opens a session (GET /me, which answers from the session cache once filled). */
async function works(token: string): Promise<boolean> {
	const res = await h.call("GET", "/v3.0/me", { token });
	if (res.status === 200) return true;
	await expectError(res, 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", SESSION_NOT_FOUND);
	return false;
}

/** Mints a token `secondsLater` after the previous one (the clock moves first). */
async function mintLater(uid: string, secondsLater: number): Promise<{ authToken: string; id: string }> {
	h.clock.advance(secondsLater * 1000);
	return await mintToken(h, uid);
}

async function revokeUser(uid: string, body: unknown, prefix = "/v3"): Promise<Response> {
	return await h.call("POST", `${prefix}/users/${uid}/auth_tokens/revoke`, { key: h.seed.restApiKey, body });
}

async function revokeApp(body: unknown, prefix = "/v3"): Promise<Response> {
	return await h.call("POST", `${prefix}/auth_tokens/revoke`, { key: h.seed.restApiKey, body });
}

describe("POST /v3/users/{uid}/auth_tokens/revoke with issuedBefore", () => {
	test("revokes the user's tokens created before that second and keeps the rest, from cache at once", async () => {
		const old = await mintToken(h, "superhero1");
		const boundary = await mintLater("superhero1", 2);
		const newer = await mintLater("superhero1", 2);
		const otherUser = await mintToken(h, "superhero2");
		// Every session is cached before the revocation: the refusal below comes from the cache's event, not a miss.
		for (const token of [old, boundary, newer, otherUser]) expect(await works(token.authToken)).toBe(true);
		expect(h.cache.stats().sessions).toBe(4);

		await expectResponse(await revokeUser("superhero1", { issuedBefore: T0 + 2 }), 200, { data: { revoked: 1 } });

		expect(await works(old.authToken)).toBe(false);
		// Created exactly at issuedBefore: not before it, so kept.
		expect(await works(boundary.authToken)).toBe(true);
		expect(await works(newer.authToken)).toBe(true);
		expect(await works(otherUser.authToken)).toBe(true);
		// Only the revoked token, and no uid: the user's other sockets stay open.
		expect(h.eventsOf("token.revoked")).toEqual([
			{ type: "token.revoked", appId: h.seed.app.id, tokenIds: [old.id], reason: "revoked" },
		]);
	});

	test("under /v3.0 too; nothing to revoke is 0 and publishes nothing", async () => {
		await mintToken(h, "superhero1");
		await expectResponse(await revokeUser("superhero1", { issuedBefore: T0 }, "/v3.0"), 200, {
			data: { revoked: 0 },
		});
		expect(h.eventsOf("token.revoked")).toEqual([]);
		await expectResponse(await revokeUser("SuperHero1", { issuedBefore: T0 + 1 }, "/v3.0"), 200, {
			data: { revoked: 1 },
		});
	});

	test("an unknown or deactivated uid is 404 ERR_UID_NOT_FOUND", async () => {
		await expectError(
			await revokeUser("nobody", { issuedBefore: T0 }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("nobody"),
		);
		await h.call("DELETE", "/v3/users/superhero2", { key: h.seed.restApiKey });
		await expectError(
			await revokeUser("superhero2", { issuedBefore: T0 }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("superhero2"),
		);
	});
});

describe("POST /v3/users/{uid}/auth_tokens/revoke with except", () => {
	test("revokes every token of the user but the one named by id", async () => {
		const first = await mintToken(h, "superhero1");
		const kept = await mintToken(h, "superhero1");
		const third = await mintToken(h, "superhero1");
		const otherUser = await mintToken(h, "superhero2");
		for (const token of [first, kept, third]) expect(await works(token.authToken)).toBe(true);

		await expectResponse(await revokeUser("superhero1", { except: kept.id }), 200, { data: { revoked: 2 } });

		expect(await works(first.authToken)).toBe(false);
		expect(await works(third.authToken)).toBe(false);
		expect(await works(kept.authToken)).toBe(true);
		expect(await works(otherUser.authToken)).toBe(true);
		const listed = (await readJSON(
			await h.call("GET", "/v3/users/superhero1/auth_tokens", { key: h.seed.restApiKey }),
		)) as { data: Array<{ id: string }> };
		expect(listed.data.map((token) => token.id)).toEqual([kept.id]);
		const [event] = h.eventsOf("token.revoked");
		expect(event).toEqual({
			type: "token.revoked",
			appId: h.seed.app.id,
			tokenIds: expect.arrayContaining([first.id, third.id]),
			reason: "revoked",
		});
		expect(event?.type === "token.revoked" && event.tokenIds.length).toBe(2);
	});

	test("the kept token may be named by its full value", async () => {
		await mintToken(h, "superhero1");
		const kept = await mintToken(h, "superhero1");
		await expectResponse(await revokeUser("superhero1", { except: kept.authToken }, "/v3.0"), 200, {
			data: { revoked: 1 },
		});
		expect(await works(kept.authToken)).toBe(true);
	});

	test("a token that is not the user's (unknown, another user's, wrong secret, another app's) is 404 and revokes nothing", async () => {
		const own = await mintToken(h, "superhero1");
		const stranger = await mintToken(h, "superhero2");
		const other = await createOtherApp(h);
		const foreign = await h.call("POST", "/v3/users/superhero1/auth_tokens", {
			key: other.restApiKey,
			headers: { appid: other.app.id },
		});
		const foreignId = ((await readJSON(foreign)) as { data: { id: string } }).data.id;
		for (const except of [
			"lkat_00000000000000000000",
			stranger.id,
			stranger.authToken,
			`${own.id}.wrong-secret`,
			foreignId,
			"revoke",
		]) {
			await expectError(
				await revokeUser("superhero1", { except }),
				404,
				"ERR_AUTH_TOKEN_NOT_FOUND",
				TOKEN_NOT_FOUND("superhero1"),
			);
		}
		expect(await works(own.authToken)).toBe(true);
		expect(h.eventsOf("token.revoked")).toEqual([]);
	});
});

describe("POST /v3/auth_tokens/revoke (app-wide)", () => {
	test("revokes every user's tokens created before that second and spares newer ones", async () => {
		const a = await mintToken(h, "superhero1");
		const b = await mintToken(h, "superhero2");
		const newer = await mintLater("superhero3", 10);
		for (const token of [a, b, newer]) expect(await works(token.authToken)).toBe(true);

		await expectResponse(await revokeApp({ issuedBefore: T0 + 10 }), 200, { data: { revoked: 2 } });

		expect(await works(a.authToken)).toBe(false);
		expect(await works(b.authToken)).toBe(false);
		expect(await works(newer.authToken)).toBe(true);
		const [event] = h.eventsOf("token.revoked");
		expect(event).toEqual({
			type: "token.revoked",
			appId: h.seed.app.id,
			tokenIds: expect.arrayContaining([a.id, b.id]),
			reason: "revoked",
		});
		await expectResponse(await revokeApp({ issuedBefore: T0 + 10 }, "/v3.0"), 200, { data: { revoked: 0 } });
	});

	test("never touches another app's tokens, even older ones of the same uid", async () => {
		const other = await createOtherApp(h);
		const foreign = await h.call("POST", "/v3/users/superhero1/auth_tokens", {
			key: other.restApiKey,
			headers: { appid: other.app.id },
		});
		const foreignToken = ((await readJSON(foreign)) as { data: { authToken: string } }).data.authToken;
		const own = await mintLater("superhero1", 5);

		await expectResponse(await revokeApp({ issuedBefore: T0 + 100 }), 200, { data: { revoked: 1 } });
		await expectResponse(await revokeUser("superhero1", { issuedBefore: T0 + 100 }), 200, { data: { revoked: 0 } });

		expect(await works(own.authToken)).toBe(false);
		const foreignMe = await h.call("GET", "/v3.0/me", { token: foreignToken, headers: { appid: other.app.id } });
		expect(foreignMe.status).toBe(200);
	});
});

describe("credentials of the revocation routes", () => {
	const ROUTES = [
		{ label: "the user rung", path: "/v3/users/superhero1/auth_tokens/revoke" },
		{ label: "the app rung", path: "/v3/auth_tokens/revoke" },
	];
	for (const { label, path } of ROUTES) {
		test(`${label} refuses an Auth Key (403), another app's key (401) and no key (401)`, async () => {
			const token = await mintToken(h, "superhero1");
			const body = { issuedBefore: T0 + 1 };
			await expectError(
				await h.call("POST", path, { key: h.seed.authKey, body }),
				403,
				"AUTH_ERR_NO_ACCESS",
				`The key ${credentialId(h.seed.authKey)}.******** cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
			);
			const other = await createOtherApp(h);
			await expectError(
				await h.call("POST", path, { key: other.restApiKey, body }),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				`The key ${credentialId(other.restApiKey)}.******** does not exist. Please use correct apiKey.`,
			);
			await expectError(
				await h.call("POST", path, { body }),
				401,
				"AUTH_ERR_EMPTY_APIKEY",
				"The apiKey is missing in the headers.",
			);
			// An auth token is no API key either.
			await expectError(
				await h.call("POST", path, { token: token.authToken, body }),
				401,
				"AUTH_ERR_EMPTY_APIKEY",
				"The apiKey is missing in the headers.",
			);
			expect(await works(token.authToken)).toBe(true);
		});

		test(`${label} answers other methods 405`, async () => {
			const res = await h.call("GET", path, { key: h.seed.restApiKey });
			expect(res.headers.get("allow")).toBe("POST, OPTIONS");
			await expectError(res, 405, "ERR_METHOD_NOT_ALLOWED", "The method GET is not allowed on this endpoint.", {
				allowed: ["POST"],
			});
		});
	}
});

describe("bad input is 400 ERR_BAD_REQUEST naming the field", () => {
	test("the user rung needs exactly one of issuedBefore and except", async () => {
		await expectError(await revokeUser("superhero1", {}), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			issuedBefore: ["The issuedBefore field is required when except is not present."],
		});
		await expectError(await revokeUser("superhero1", undefined), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			issuedBefore: ["The issuedBefore field is required when except is not present."],
		});
		await expectError(
			await revokeUser("superhero1", { issuedBefore: T0, except: "lkat_00000000000000000000" }),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{ except: ["The except field is prohibited when issuedBefore is present."] },
		);
	});

	test("wrong types, ranges and unknown fields", async () => {
		const cases: Array<[unknown, Record<string, string[]>]> = [
			[{ issuedBefore: "1767225600" }, { issuedBefore: ["The issuedBefore must be a number."] }],
			[{ issuedBefore: -1 }, { issuedBefore: ["The issuedBefore must be at least 0."] }],
			[{ issuedBefore: 1.5 }, { issuedBefore: ["The issuedBefore must be an integer."] }],
			[{ issuedBefore: 253_402_300_800 }, { issuedBefore: ["The issuedBefore may not be greater than 253402300799."] }],
			[{ except: "" }, { except: ["The except field is required."] }],
			[{ except: 5 }, { except: ["The except must be a string."] }],
			[{ issuedBefore: T0, all: true }, { all: ["The all field is not allowed."] }],
		];
		for (const [body, details] of cases) {
			await expectError(await revokeUser("superhero1", body), 400, "ERR_BAD_REQUEST", BAD_REQUEST, details);
		}
	});

	test("the app rung needs issuedBefore and takes nothing else", async () => {
		await expectError(await revokeApp({}), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			issuedBefore: ["The issuedBefore field is required."],
		});
		await expectError(
			await revokeApp({ issuedBefore: T0, except: "lkat_00000000000000000000" }),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{
				except: ["The except field is not allowed."],
			},
		);
		await expectError(await revokeApp({ issuedBefore: null }), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			issuedBefore: ["The issuedBefore must have a value."],
		});
		await expectError(await revokeApp("[1]"), 400, "ERR_BAD_REQUEST", "The request body must be a JSON object.", {
			body: ["The request body must be a JSON object."],
		});
	});

	test("bad input is refused before the uid is looked up, and revokes nothing", async () => {
		const token = await mintToken(h, "superhero1");
		await expectError(await revokeUser("nobody", { issuedBefore: "x" }), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			issuedBefore: ["The issuedBefore must be a number."],
		});
		expect(await works(token.authToken)).toBe(true);
	});
});

describe("a recreated uid never inherits an old token", () => {
	test("tokens of a permanently deleted user stay dead, from cache too, and are not listed or counted again", async () => {
		await createUserOverHTTP(h, { uid: "ada", name: "Ada" });
		const old = await mintToken(h, "ada");
		expect(await works(old.authToken)).toBe(true);
		const deleted = await h.call("DELETE", "/v3/users/ada", { key: h.seed.restApiKey, body: { permanent: true } });
		expect(deleted.status).toBe(200);
		await createUserOverHTTP(h, { uid: "ada", name: "Ada again" });

		expect(await works(old.authToken)).toBe(false);
		const fresh = await mintLater("ada", 1);
		await expectResponse(await h.call("GET", "/v3/users/ada/auth_tokens", { key: h.seed.restApiKey }), 200, {
			data: [{ uid: "ada", authToken: `${fresh.id}.********`, id: fresh.id, createdAt: T0 + 1 }],
			meta: { pagination: { total: 1, count: 1, per_page: 100, current_page: 1, total_pages: 1 } },
		});
		await expectError(
			await h.call("GET", `/v3/users/ada/auth_tokens/${old.id}`, { key: h.seed.restApiKey }),
			404,
			"ERR_AUTH_TOKEN_NOT_FOUND",
			TOKEN_NOT_FOUND("ada"),
		);
		// The old token cannot be kept by `except`, and revoking "everything before" now finds only the new one.
		await expectError(
			await revokeUser("ada", { except: old.id }),
			404,
			"ERR_AUTH_TOKEN_NOT_FOUND",
			TOKEN_NOT_FOUND("ada"),
		);
		await expectResponse(await revokeUser("ada", { issuedBefore: T0 + 1000 }), 200, { data: { revoked: 1 } });
		expect(await works(fresh.authToken)).toBe(false);
	});
});
