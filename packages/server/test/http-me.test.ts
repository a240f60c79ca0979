import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { verifyRealtimeJWT } from "../src/domain/jwt.ts";
import { createHarness, type Harness } from "./harness.ts";
import {
	createOtherApp,
	createUserOverHTTP,
	errorBody,
	expectError,
	expectResponse,
	mintToken,
	readJSON,
	T0,
} from "./helpers.ts";

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

const SESSION_NOT_FOUND =
	"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.";
const SDK_LOGIN_BODY = {
	platform: "WEB",
	deviceId: "APPID_502d3a38-2add-4984-983d-dd11ff15cd1c_1795618853993",
	appInfo: { version: "v4.2.0", apiVersion: "v3.0", userAgent: "Mozilla/5.0 (test)" },
};

function settings(): Record<string, unknown> {
	return {
		ADMIN_API_HOST: "chat.example.test:8443",
		CLIENT_API_HOST: "chat.example.test:8443",
		CHAT_API_VERSION: "v3.0",
		CHAT_HOST: "chat.example.test",
		CHAT_WSS_PORT: 8443,
		WS_API_VERSION: "v3.0",
		APP_VERSION: 4,
		MODE: "DEFAULT",
		ANALYTICS_PING_DISABLED: true,
		REGION: "us",
		extensions: [],
	};
}

function meOfSuperhero1(authToken: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		uid: "superhero1",
		name: "Iron Man",
		avatar: "https://data-us.cometchat.io/assets/images/avatars/ironman.png",
		status: "online",
		role: "default",
		createdAt: T0,
		isSampleUser: true,
		...extra,
		authToken,
		jwt: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
		wsChannel: { identity: `[${h.seed.app.id}]superhero1` },
		settings: settings(),
	};
}

async function jwtOf(res: Response): Promise<string> {
	expect(res.status).toBe(200);
	return ((await readJSON(res)) as { data: { jwt: string } }).data.jwt;
}

describe("PUT /v3.0/me as login", () => {
	test("answers the user with the same authToken, a jwt, wsChannel and settings", async () => {
		const token = await mintToken(h, "superhero1", SDK_LOGIN_BODY);
		const res = await h.call("PUT", "/v3.0/me", { token: token.authToken, body: SDK_LOGIN_BODY });
		await expectResponse(res, 200, { data: meOfSuperhero1(token.authToken) });
	});

	test("records the device facts on the token and marks it used", async () => {
		const token = await mintToken(h, "superhero1");
		h.clock.advance(7000);
		expect((await h.call("PUT", "/v3.0/me", { token: token.authToken, body: SDK_LOGIN_BODY })).status).toBe(200);
		const res = await h.call("GET", `/v3/users/superhero1/auth_tokens/${token.id}`, { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: {
				uid: "superhero1",
				authToken: `${token.id}.********`,
				id: token.id,
				createdAt: T0,
				platform: "WEB",
				userAgent: "Mozilla/5.0 (test)",
				deviceId: SDK_LOGIN_BODY.deviceId,
				appInfo: SDK_LOGIN_BODY.appInfo,
				lastUsedAt: T0 + 7,
			},
		});
	});

	test("an explicit userAgent wins over appInfo.userAgent, as on token creation", async () => {
		const token = await mintToken(h, "superhero1");
		const res = await h.call("PUT", "/v3.0/me", {
			token: token.authToken,
			body: { ...SDK_LOGIN_BODY, userAgent: "curl/8" },
		});
		expect(res.status).toBe(200);
		const stored = await h.call("GET", `/v3/users/superhero1/auth_tokens/${token.id}`, { key: h.seed.restApiKey });
		expect(((await readJSON(stored)) as { data: { userAgent?: string } }).data.userAgent).toBe("curl/8");
	});

	test("an empty body is a login that changes nothing", async () => {
		const token = await mintToken(h, "superhero1");
		await expectResponse(await h.call("PUT", "/v3.0/me", { token: token.authToken }), 200, {
			data: meOfSuperhero1(token.authToken),
		});
	});

	test("a login body with a platform over 50 characters is 400", async () => {
		const token = await mintToken(h, "superhero1");
		const res = await h.call("PUT", "/v3.0/me", { token: token.authToken, body: { platform: "p".repeat(51) } });
		await expectError(res, 400, "ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			platform: ["The platform may not be greater than 50 characters."],
		});
	});

	test("malformed JSON is 400", async () => {
		const token = await mintToken(h, "superhero1");
		const res = await h.call("PUT", "/v3.0/me", { token: token.authToken, body: "{oops" });
		await expectError(res, 400, "ERR_BAD_REQUEST", "The request body is not valid JSON.", {
			body: ["The request body must be valid JSON."],
		});
	});
});

describe("PUT /v3.0/me as profile update", () => {
	test("updateCurrentUserDetails' body updates the caller and answers authToken and jwt again", async () => {
		const token = await mintToken(h, "superhero1");
		h.clock.advance(5000);
		const res = await h.call("PUT", "/v3.0/me", {
			token: token.authToken,
			body: {
				hasBlockedMe: false,
				blockedByMe: false,
				deactivatedAt: 0,
				uid: "superhero1",
				name: "Tony Stark",
				tags: ["avenger"],
			},
		});
		await expectResponse(res, 200, {
			data: meOfSuperhero1(token.authToken, { name: "Tony Stark", updatedAt: T0 + 5, tags: ["avenger"] }),
		});
		const rest = (await readJSON(await h.call("GET", "/v3/users/superhero1", { key: h.seed.restApiKey }))) as {
			data: { name: string };
		};
		expect(rest.data.name).toBe("Tony Stark");
	});

	test("cannot change role", async () => {
		const token = await mintToken(h, "superhero1");
		const res = await h.call("PUT", "/v3.0/me", { token: token.authToken, body: { name: "Tony", role: "admin" } });
		await expectResponse(res, 200, { data: meOfSuperhero1(token.authToken, { name: "Tony", updatedAt: T0 }) });
		const roleOnly = await h.call("PUT", "/v3.0/me", { token: token.authToken, body: { role: "admin" } });
		expect(((await readJSON(roleOnly)) as { data: { role: string } }).data.role).toBe("default");
	});

	test("cannot touch another user by naming their uid", async () => {
		const token = await mintToken(h, "superhero1");
		await h.call("PUT", "/v3.0/me", { token: token.authToken, body: { uid: "superhero2", name: "Hijacked" } });
		const other = (await readJSON(await h.call("GET", "/v3/users/superhero2", { key: h.seed.restApiKey }))) as {
			data: { name: string };
		};
		expect(other.data.name).toBe("Captain America");
	});

	test("unset removes the avatar", async () => {
		const token = await mintToken(h, "superhero1");
		const res = await h.call("PUT", "/v3.0/me", { token: token.authToken, body: { unset: ["avatar"] } });
		const data = ((await readJSON(res)) as { data: Record<string, unknown> }).data;
		expect(data).not.toHaveProperty("avatar");
	});

	test("an invalid profile field is 400", async () => {
		const token = await mintToken(h, "superhero1");
		const res = await h.call("PUT", "/v3.0/me", { token: token.authToken, body: { name: "" } });
		await expectError(res, 400, "ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			name: ["The name field is required."],
		});
	});
});

describe("GET /v3.0/me", () => {
	test("answers the same shape as PUT /me", async () => {
		const token = await mintToken(h, "superhero1");
		await expectResponse(await h.call("GET", "/v3.0/me", { token: token.authToken }), 200, {
			data: meOfSuperhero1(token.authToken),
		});
	});

	test("records lastUsedAt at most once a minute", async () => {
		const token = await mintToken(h, "superhero1");
		const lastUsedAt = async (): Promise<unknown> =>
			(
				(await readJSON(
					await h.call("GET", `/v3/users/superhero1/auth_tokens/${token.id}`, { key: h.seed.restApiKey }),
				)) as {
					data: { lastUsedAt?: number };
				}
			).data.lastUsedAt;
		await h.call("GET", "/v3.0/me", { token: token.authToken });
		expect(await lastUsedAt()).toBe(T0);
		h.clock.advance(59_000);
		await h.call("GET", "/v3.0/me", { token: token.authToken });
		expect(await lastUsedAt()).toBe(T0);
		h.clock.advance(2000);
		await h.call("GET", "/v3.0/me", { token: token.authToken });
		expect(await lastUsedAt()).toBe(T0 + 61);
	});
});

describe("the realtime jwt", () => {
	test("is stable for one token across GET and PUT /me and over time, and differs between tokens", async () => {
		const a = await mintToken(h, "superhero1");
		const b = await mintToken(h, "superhero1");
		const first = await jwtOf(await h.call("GET", "/v3.0/me", { token: a.authToken }));
		h.clock.advance(3_600_000);
		expect(await jwtOf(await h.call("PUT", "/v3.0/me", { token: a.authToken, body: SDK_LOGIN_BODY }))).toBe(first);
		expect(await jwtOf(await h.call("PUT", "/v3.0/me", { token: a.authToken, body: { name: "N" } }))).toBe(first);
		expect(await jwtOf(await h.call("GET", "/v3.0/me", { token: b.authToken }))).not.toBe(first);
	});

	test("verifies to the session while the token lives, and to null once it is revoked", async () => {
		const a = await mintToken(h, "superhero1");
		const jwt = await jwtOf(await h.call("GET", "/v3.0/me", { token: a.authToken }));
		const session = await verifyRealtimeJWT(h.deps, jwt);
		expect(session?.token.id).toBe(a.id);
		expect(session?.user.uid).toBe("superhero1");
		await h.call("DELETE", "/v3.0/me", { token: a.authToken });
		expect(await verifyRealtimeJWT(h.deps, jwt)).toBeNull();
	});

	test("a tampered jwt does not verify", async () => {
		const a = await mintToken(h, "superhero1");
		const jwt = await jwtOf(await h.call("GET", "/v3.0/me", { token: a.authToken }));
		const [header, payload, signature] = jwt.split(".") as [string, string, string];
		const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
		const forged = Buffer.from(JSON.stringify({ ...claims, sub: "superhero2" })).toString("base64url");
		expect(await verifyRealtimeJWT(h.deps, `${header}.${forged}.${signature}`)).toBeNull();
		expect(await verifyRealtimeJWT(h.deps, `${header}.${payload}.${"A".repeat(signature.length)}`)).toBeNull();
		expect(await verifyRealtimeJWT(h.deps, "not-a-jwt")).toBeNull();
	});
});

describe("DELETE /v3.0/me", () => {
	test("logs out: the token is destroyed and a logged_out revocation is published", async () => {
		const a = await mintToken(h, "superhero1");
		const b = await mintToken(h, "superhero1");
		const res = await h.call("DELETE", "/v3.0/me", {
			token: a.authToken,
			headers: { "content-type": "application/json" },
		});
		await expectResponse(res, 200, { data: { success: true, message: "The user has been logged out successfully." } });
		expect(h.eventsOf("token.revoked")).toEqual([
			{ type: "token.revoked", appId: h.seed.app.id, tokenIds: [a.id], reason: "logged_out" },
		]);
		await expectError(
			await h.call("GET", "/v3.0/me", { token: a.authToken }),
			401,
			"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			SESSION_NOT_FOUND,
		);
		expect((await h.call("GET", "/v3.0/me", { token: b.authToken })).status).toBe(200);
	});

	test("logging out twice answers AUTH_ERR_AUTH_TOKEN_NOT_FOUND, which the SDK treats as success", async () => {
		const a = await mintToken(h, "superhero1");
		await h.call("DELETE", "/v3.0/me", { token: a.authToken });
		await expectError(
			await h.call("DELETE", "/v3.0/me", { token: a.authToken }),
			401,
			"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			SESSION_NOT_FOUND,
		);
		expect(h.eventsOf("token.revoked")).toHaveLength(1);
	});

	test("two concurrent logouts of one token: one 200, the other AUTH_ERR_AUTH_TOKEN_NOT_FOUND", async () => {
		const a = await mintToken(h, "superhero1");
		const answers = await Promise.all([
			h.call("DELETE", "/v3.0/me", { token: a.authToken }),
			h.call("DELETE", "/v3.0/me", { token: a.authToken }),
		]);
		const bodies = await Promise.all(answers.map(async (res) => ({ status: res.status, body: await readJSON(res) })));
		bodies.sort((x, y) => x.status - y.status);
		expect(bodies).toEqual([
			{ status: 200, body: { data: { success: true, message: "The user has been logged out successfully." } } },
			{ status: 401, body: errorBody("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", SESSION_NOT_FOUND) },
		]);
		expect(h.eventsOf("token.revoked")).toHaveLength(1);
	});
});

describe("GET /v3.0/settings and POST /v3.0/user_sessions", () => {
	test("settings answers the app settings", async () => {
		const a = await mintToken(h, "superhero1");
		await expectResponse(await h.call("GET", "/v3.0/settings", { token: a.authToken }), 200, { data: settings() });
	});

	test("user_sessions echoes the session hash", async () => {
		const a = await mintToken(h, "superhero1");
		const res = await h.call("POST", "/v3.0/user_sessions", {
			token: a.authToken,
			body: { sessionId: "ab12", data: { device: { id: "d" } }, generatedAt: 1795618860 },
		});
		await expectResponse(res, 200, { data: { sessionId: "ab12" } });
		await expectResponse(
			await h.call("POST", "/v3.0/user_sessions", { token: a.authToken, body: { sessionId: 5 } }),
			200,
			{
				data: { sessionId: "" },
			},
		);
	});
});

describe("/me, /settings and /user_sessions: credentials", () => {
	const ROUTES: Array<{ method: string; path: string; body?: unknown }> = [
		{ method: "GET", path: "/v3.0/me" },
		{ method: "PUT", path: "/v3.0/me", body: SDK_LOGIN_BODY },
		{ method: "DELETE", path: "/v3.0/me" },
		{ method: "GET", path: "/v3.0/settings" },
		{ method: "POST", path: "/v3.0/user_sessions", body: { sessionId: "x" } },
	];

	/** Every client route refuses the token, and says so per route so a failure names it. */
	async function expectRefused(token: string | undefined): Promise<void> {
		const expected =
			token === undefined
				? errorBody("AUTH_ERR_EMPTY_AUTH_TOKEN", "The authToken is missing in the headers.")
				: errorBody("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", SESSION_NOT_FOUND);
		for (const route of ROUTES) {
			const res = await h.call(route.method, route.path, { body: route.body, ...(token !== undefined && { token }) });
			expect({ route: `${route.method} ${route.path}`, status: res.status, body: await readJSON(res) }).toEqual({
				route: `${route.method} ${route.path}`,
				status: 401,
				body: expected,
			});
		}
	}

	test("a missing authtoken header is 401 AUTH_ERR_EMPTY_AUTH_TOKEN", async () => {
		await expectRefused(undefined);
	});

	test("an API key is not a token: apikey header alone is refused", async () => {
		const res = await h.call("GET", "/v3.0/me", { key: h.seed.restApiKey });
		await expectError(res, 401, "AUTH_ERR_EMPTY_AUTH_TOKEN", "The authToken is missing in the headers.");
		await expectRefused(h.seed.restApiKey);
	});

	test("an unknown token id is refused", async () => {
		await expectRefused(`lkat_00000000000000000000.${"a".repeat(43)}`);
	});

	test("a garbage token is refused", async () => {
		await expectRefused("superhero1_16383540156641d37a023c75d26f4c22a21ff126");
	});

	test("a token with a wrong secret is refused", async () => {
		const a = await mintToken(h, "superhero1");
		await expectRefused(`${a.id}.${"b".repeat(43)}`);
		await expectRefused(a.id);
	});

	test("a token deleted over REST is refused", async () => {
		const a = await mintToken(h, "superhero1");
		await h.call("DELETE", `/v3/users/superhero1/auth_tokens/${a.id}`, { key: h.seed.restApiKey });
		await expectRefused(a.authToken);
	});

	test("a flushed token is refused", async () => {
		const a = await mintToken(h, "superhero1");
		await h.call("DELETE", "/v3/users/superhero1/auth_tokens", { key: h.seed.restApiKey });
		await expectRefused(a.authToken);
	});

	test("a token evicted by the 100-token cap is refused", async () => {
		const oldest = await mintToken(h, "superhero1");
		for (let i = 0; i < 100; i++) {
			h.clock.advance(1);
			await mintToken(h, "superhero1");
		}
		await expectRefused(oldest.authToken);
	});

	test("a logged-out token is refused", async () => {
		const a = await mintToken(h, "superhero1");
		await h.call("DELETE", "/v3.0/me", { token: a.authToken });
		await expectRefused(a.authToken);
	});

	test("a token of a soft-deleted user is refused", async () => {
		const a = await mintToken(h, "superhero1");
		await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey });
		await expectRefused(a.authToken);
	});

	test("a token of a permanently deleted user is refused, also after the uid is re-created", async () => {
		const a = await mintToken(h, "superhero1");
		await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey, body: { permanent: true } });
		await expectRefused(a.authToken);
		await createUserOverHTTP(h, { uid: "superhero1", name: "New" });
		await expectRefused(a.authToken);
	});

	test("a token of another app is refused under this app's id", async () => {
		const other = await createOtherApp(h);
		const res = await h.call("POST", "/v3/users/superhero1/auth_tokens", {
			key: other.authKey,
			headers: { appid: other.app.id },
		});
		const token = ((await readJSON(res)) as { data: { authToken: string } }).data.authToken;
		await expectRefused(token);
		const own = await h.call("GET", "/v3.0/me", { token, headers: { appid: other.app.id } });
		expect(own.status).toBe(200);
	});
});
