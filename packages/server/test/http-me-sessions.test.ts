import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, credentialId, expectError, expectResponse, mintToken, readJSON, T0 } from "./helpers.ts";

/** Issue 15, "my devices": `GET /v3.0/me/sessions`, `DELETE /v3.0/me/sessions/{id}`, `DELETE /v3.0/me/sessions`. */

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
const TOKEN_NOT_FOUND = (uid: string): string => `The auth token does not exist for the UID ${uid}.`;

const SDK_LOGIN_BODY = {
	platform: "WEB",
	deviceId: "APPID_502d3a38-2add-4984-983d-dd11ff15cd1c_1795618853993",
	appInfo: { version: "v4.2.0", apiVersion: "v3.0", userAgent: "Mozilla/5.0 (test)" },
};

/** Whether the token still opens a session (GET /me, answered from the session cache once filled). */
async function works(token: string): Promise<boolean> {
	const res = await h.call("GET", "/v3.0/me", { token });
	if (res.status === 200) return true;
	await expectError(res, 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", SESSION_NOT_FOUND);
	return false;
}

async function listSessions(token: string, address?: string): Promise<Response> {
	return await h.call("GET", "/v3.0/me/sessions", { token, ...(address !== undefined && { address }) });
}

describe("GET /v3.0/me/sessions", () => {
	test("lists the caller's tokens, newest first, masked, with the caller's marked current", async () => {
		const laptop = await mintToken(h, "superhero1", SDK_LOGIN_BODY);
		h.clock.advance(5_000);
		const phone = await mintToken(h, "superhero1", { platform: "ios", deviceId: "phone-1", userAgent: "App/2" });
		const stranger = await mintToken(h, "superhero2");
		h.clock.advance(5_000);
		// The phone is used from one address; the laptop lists from another.
		expect((await h.call("GET", "/v3.0/me", { token: phone.authToken, address: "203.0.113.7" })).status).toBe(200);
		h.clock.advance(1_000);

		await expectResponse(await listSessions(laptop.authToken, "198.51.100.23"), 200, {
			data: [
				{
					id: phone.id,
					authToken: `${phone.id}.********`,
					platform: "ios",
					userAgent: "App/2",
					deviceId: "phone-1",
					ip: "203.0.113.7",
					createdAt: T0 + 5,
					lastUsedAt: T0 + 10,
					current: false,
				},
				{
					id: laptop.id,
					authToken: `${laptop.id}.********`,
					platform: "WEB",
					userAgent: "Mozilla/5.0 (test)",
					deviceId: SDK_LOGIN_BODY.deviceId,
					appInfo: SDK_LOGIN_BODY.appInfo,
					ip: "198.51.100.23",
					createdAt: T0,
					lastUsedAt: T0 + 11,
					current: true,
				},
			],
		});
		const res = await listSessions(stranger.authToken);
		expect(res.headers.get("cache-control")).toBe("no-store");
		await expectResponse(res, 200, {
			data: [
				{
					id: stranger.id,
					authToken: `${stranger.id}.********`,
					createdAt: T0 + 5,
					lastUsedAt: T0 + 11,
					current: true,
				},
			],
		});
	});

	test("ip is written behind with lastUsedAt: no write per request, in the store after the flush", async () => {
		const token = await mintToken(h, "superhero1");
		await h.cache.flush();
		await listSessions(token.authToken, "203.0.113.7");
		expect(h.cache.stats().pendingTouches).toBe(1);
		const before = await h.store.listAuthTokens(h.seed.app.id, "superhero1", { limit: 10, offset: 0 });
		expect(before.items.map((item) => [item.lastUsedAt, item.lastUsedIp])).toEqual([[null, undefined]]);
		await h.cache.flush();
		const after = await h.store.listAuthTokens(h.seed.app.id, "superhero1", { limit: 10, offset: 0 });
		expect(after.items.map((item) => [item.lastUsedAt, item.lastUsedIp])).toEqual([[h.clock.now(), "203.0.113.7"]]);
	});

	test("a use within the minute from the same address records nothing; from another address it records the address", async () => {
		const token = await mintToken(h, "superhero1");
		await listSessions(token.authToken, "203.0.113.7");
		await h.cache.flush();
		h.clock.advance(30_000);
		await listSessions(token.authToken, "203.0.113.7");
		expect(h.cache.stats().pendingTouches).toBe(0);
		const moved = await listSessions(token.authToken, "198.51.100.1");
		expect(h.cache.stats().pendingTouches).toBe(1);
		expect(((await readJSON(moved)) as { data: Array<Record<string, unknown>> }).data[0]).toMatchObject({
			ip: "198.51.100.1",
			lastUsedAt: T0 + 30,
		});
	});

	test("behind a trusted proxy the address is the proxy's X-Forwarded-For entry", async () => {
		const proxied = await createHarness({ trustProxy: true });
		try {
			const token = (await (
				await proxied.call("POST", "/v3/users/superhero1/auth_tokens", { key: proxied.seed.authKey })
			).json()) as { data: { authToken: string } };
			const res = await proxied.call("GET", "/v3.0/me/sessions", {
				token: token.data.authToken,
				address: "10.0.0.2",
				headers: { "x-forwarded-for": "192.0.2.1, 203.0.113.50" },
			});
			expect(((await readJSON(res)) as { data: Array<Record<string, unknown>> }).data[0]?.ip).toBe("203.0.113.50");
		} finally {
			await proxied.close();
		}
	});

	test("leaves out tokens already past the app's absolute timeout", async () => {
		const old = await mintToken(h, "superhero1");
		h.clock.advance(100_000);
		const fresh = await mintToken(h, "superhero1");
		const set = await h.call("PUT", "/v3/security", { key: h.seed.restApiKey, body: { tokenMaxLifetimeSeconds: 90 } });
		expect(set.status).toBe(200);
		const listed = (await readJSON(await listSessions(fresh.authToken))) as { data: Array<{ id: string }> };
		expect(listed.data.map((session) => session.id)).toEqual([fresh.id]);
		expect(old.id).not.toBe(fresh.id);
	});

	test("without or with a wrong token: 401, as every client route", async () => {
		await expectError(
			await h.call("GET", "/v3.0/me/sessions"),
			401,
			"AUTH_ERR_EMPTY_AUTH_TOKEN",
			"The authToken is missing in the headers.",
		);
		const token = await mintToken(h, "superhero1");
		await expectError(await listSessions(`${token.id}.wrong`), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", SESSION_NOT_FOUND);
		// An API key is not a user's session.
		await expectError(
			await h.call("GET", "/v3.0/me/sessions", { key: h.seed.restApiKey }),
			401,
			"AUTH_ERR_EMPTY_AUTH_TOKEN",
			"The authToken is missing in the headers.",
		);
	});

	test("answers CORS as the other client routes, and other methods 405", async () => {
		const preflight = (path: string) =>
			h.call("OPTIONS", path, {
				headers: { origin: "https://app.example", "access-control-request-method": "DELETE" },
			});
		const mine = await preflight("/v3.0/me/sessions");
		const me = await preflight("/v3.0/me");
		expect(mine.status).toBe(204);
		// Every answer has its own request id; everything else is the same.
		const { "x-request-id": mineId, ...mineHeaders } = Object.fromEntries(mine.headers);
		const { "x-request-id": meId, ...meHeaders } = Object.fromEntries(me.headers);
		expect(mineHeaders).toEqual(meHeaders);
		expect([mineId, meId]).toEqual([
			expect.stringMatching(/^[0-9a-f-]{36}$/),
			expect.stringMatching(/^[0-9a-f-]{36}$/),
		]);
		const token = await mintToken(h, "superhero1");
		const listed = await listSessions(token.authToken);
		expect(listed.headers.get("access-control-allow-origin")).toBe("*");

		const put = await h.call("PUT", "/v3.0/me/sessions", { token: token.authToken });
		expect(put.headers.get("allow")).toBe("GET, DELETE, OPTIONS");
		await expectError(put, 405, "ERR_METHOD_NOT_ALLOWED", "The method PUT is not allowed on this endpoint.", {
			allowed: ["GET", "DELETE"],
		});
		await expectError(
			await h.call("GET", `/v3.0/me/sessions/${token.id}`, { token: token.authToken }),
			405,
			"ERR_METHOD_NOT_ALLOWED",
			"The method GET is not allowed on this endpoint.",
			{ allowed: ["DELETE"] },
		);
	});
});

describe("DELETE /v3.0/me/sessions/{id}", () => {
	test("ends another device of the caller, refused from cache at once, with a logged_out event", async () => {
		const caller = await mintToken(h, "superhero1");
		const other = await mintToken(h, "superhero1");
		expect(await works(other.authToken)).toBe(true);
		await expectResponse(await h.call("DELETE", `/v3.0/me/sessions/${other.id}`, { token: caller.authToken }), 200, {
			data: { success: true, message: `The session ${other.id}.******** has been ended successfully.` },
		});
		expect(await works(other.authToken)).toBe(false);
		expect(await works(caller.authToken)).toBe(true);
		expect(h.eventsOf("token.revoked")).toEqual([
			{ type: "token.revoked", appId: h.seed.app.id, tokenIds: [other.id], reason: "logged_out" },
		]);
		await expectResponse(await listSessions(caller.authToken), 200, {
			data: [expect.objectContaining({ id: caller.id, current: true })],
		});
	});

	test("may end the caller's own token, by id or by full value; then the caller is logged out", async () => {
		const caller = await mintToken(h, "superhero1");
		const res = await h.call("DELETE", `/v3/me/sessions/${caller.authToken}`, { token: caller.authToken });
		await expectResponse(res, 200, {
			data: { success: true, message: `The session ${caller.id}.******** has been ended successfully.` },
		});
		expect(await works(caller.authToken)).toBe(false);
	});

	test("another user's, another app's, an unknown or a wrong-secret token is 404 and nothing ends", async () => {
		const caller = await mintToken(h, "superhero1");
		const stranger = await mintToken(h, "superhero2");
		const other = await createOtherApp(h);
		// The same uid in another app: still not the caller's.
		const foreign = (await readJSON(
			await h.call("POST", "/v3/users/superhero1/auth_tokens", {
				key: other.restApiKey,
				headers: { appid: other.app.id },
			}),
		)) as { data: { id: string; authToken: string } };
		for (const reference of [
			stranger.id,
			stranger.authToken,
			foreign.data.id,
			foreign.data.authToken,
			"lkat_00000000000000000000",
			`${caller.id}.wrong-secret`,
			"nothing",
		]) {
			await expectError(
				await h.call("DELETE", `/v3.0/me/sessions/${reference}`, { token: caller.authToken }),
				404,
				"ERR_AUTH_TOKEN_NOT_FOUND",
				TOKEN_NOT_FOUND("superhero1"),
			);
		}
		expect(await works(caller.authToken)).toBe(true);
		expect(await works(stranger.authToken)).toBe(true);
		const foreignMe = await h.call("GET", "/v3.0/me", {
			token: foreign.data.authToken,
			headers: { appid: other.app.id },
		});
		expect(foreignMe.status).toBe(200);
		expect(h.eventsOf("token.revoked")).toEqual([]);
	});

	test("a second ending of the same token is 404", async () => {
		const caller = await mintToken(h, "superhero1");
		const other = await mintToken(h, "superhero1");
		expect((await h.call("DELETE", `/v3.0/me/sessions/${other.id}`, { token: caller.authToken })).status).toBe(200);
		await expectError(
			await h.call("DELETE", `/v3.0/me/sessions/${other.id}`, { token: caller.authToken }),
			404,
			"ERR_AUTH_TOKEN_NOT_FOUND",
			TOKEN_NOT_FOUND("superhero1"),
		);
	});
});

describe("DELETE /v3.0/me/sessions", () => {
	test('scope "others" ends every token of the caller but the calling one', async () => {
		const caller = await mintToken(h, "superhero1");
		const second = await mintToken(h, "superhero1");
		const third = await mintToken(h, "superhero1");
		const stranger = await mintToken(h, "superhero2");
		for (const token of [second, third]) expect(await works(token.authToken)).toBe(true);

		await expectResponse(
			await h.call("DELETE", "/v3.0/me/sessions", { token: caller.authToken, body: { scope: "others" } }),
			200,
			{ data: { revoked: 2 } },
		);
		expect(await works(second.authToken)).toBe(false);
		expect(await works(third.authToken)).toBe(false);
		expect(await works(caller.authToken)).toBe(true);
		expect(await works(stranger.authToken)).toBe(true);
		const [event] = h.eventsOf("token.revoked");
		expect(event).toEqual({
			type: "token.revoked",
			appId: h.seed.app.id,
			tokenIds: expect.arrayContaining([second.id, third.id]),
			reason: "logged_out",
		});
		await expectResponse(
			await h.call("DELETE", "/v3/me/sessions", { token: caller.authToken, body: { scope: "others" } }),
			200,
			{ data: { revoked: 0 } },
		);
	});

	test("scope \"all\" ends the calling token too, and never another user's or another app's", async () => {
		const caller = await mintToken(h, "superhero1");
		const second = await mintToken(h, "superhero1");
		const stranger = await mintToken(h, "superhero2");
		const other = await createOtherApp(h);
		const foreign = (await readJSON(
			await h.call("POST", "/v3/users/superhero1/auth_tokens", {
				key: other.restApiKey,
				headers: { appid: other.app.id },
			}),
		)) as { data: { authToken: string } };

		await expectResponse(
			await h.call("DELETE", "/v3.0/me/sessions", { token: caller.authToken, body: { scope: "all" } }),
			200,
			{ data: { revoked: 2 } },
		);
		expect(await works(caller.authToken)).toBe(false);
		expect(await works(second.authToken)).toBe(false);
		expect(await works(stranger.authToken)).toBe(true);
		const foreignMe = await h.call("GET", "/v3.0/me", {
			token: foreign.data.authToken,
			headers: { appid: other.app.id },
		});
		expect(foreignMe.status).toBe(200);
	});

	test("another app's token is refused by every route of the app it does not belong to", async () => {
		const other = await createOtherApp(h);
		const foreign = (await readJSON(
			await h.call("POST", "/v3/users/superhero1/auth_tokens", {
				key: other.restApiKey,
				headers: { appid: other.app.id },
			}),
		)) as { data: { authToken: string; id: string } };
		const own = await mintToken(h, "superhero1");
		for (const [method, path, body] of [
			["GET", "/v3.0/me/sessions", undefined],
			["DELETE", "/v3.0/me/sessions", { scope: "all" }],
			["DELETE", `/v3.0/me/sessions/${own.id}`, undefined],
		] as const) {
			await expectError(
				await h.call(method, path, { token: foreign.data.authToken, ...(body && { body }) }),
				401,
				"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
				SESSION_NOT_FOUND,
			);
		}
		expect(await works(own.authToken)).toBe(true);
		// In its own app it lists only its own app's token.
		const listed = (await readJSON(
			await h.call("GET", "/v3.0/me/sessions", { token: foreign.data.authToken, headers: { appid: other.app.id } }),
		)) as { data: Array<{ id: string }> };
		expect(listed.data.map((session) => session.id)).toEqual([foreign.data.id]);
	});

	test("a missing or unknown scope is 400 naming scope, and nothing ends", async () => {
		const caller = await mintToken(h, "superhero1");
		const other = await mintToken(h, "superhero1");
		const cases: Array<[unknown, Record<string, string[]>]> = [
			[undefined, { scope: ["The scope field is required."] }],
			[{}, { scope: ["The scope field is required."] }],
			[{ scope: "some" }, { scope: ["The selected scope is invalid."] }],
			[{ scope: 1 }, { scope: ["The selected scope is invalid."] }],
		];
		for (const [body, details] of cases) {
			await expectError(
				await h.call("DELETE", "/v3.0/me/sessions", { token: caller.authToken, ...(body !== undefined && { body }) }),
				400,
				"ERR_BAD_REQUEST",
				BAD_REQUEST,
				details,
			);
		}
		await expectError(
			await h.call("DELETE", "/v3.0/me/sessions", { token: caller.authToken, body: "not json" }),
			400,
			"ERR_BAD_REQUEST",
			"The request body is not valid JSON.",
			{ body: ["The request body must be valid JSON."] },
		);
		expect(await works(other.authToken)).toBe(true);
		expect(credentialId(other.authToken)).toBe(other.id);
	});
});
