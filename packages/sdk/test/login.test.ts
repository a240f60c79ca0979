import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { mintToken } from "../../server/test/helpers.ts";
import { CometChat } from "../src/comet-chat.ts";
import { createMemoryStorage, type SessionStorage } from "../src/session-storage.ts";
import {
	createTestServer,
	createTestSettings,
	getDeviceId,
	getTokenStatus,
	type LoginEventRecord,
	recordLoginEvents,
	rejectionOf,
	type TestServer,
} from "./helpers.ts";

let server: TestServer;
let storage: SessionStorage;
let events: LoginEventRecord[];

beforeEach(async () => {
	server = await createTestServer();
	storage = createMemoryStorage();
	events = [];
	CometChat.addLoginListener("test", new CometChat.LoginListener(recordLoginEvents(events)));
	await CometChat.init(server.h.seed.app.id, createTestSettings(server).setStorage(storage).build());
});

afterEach(async () => {
	CometChat.removeLoginListener("test");
	await server.close();
});

const APP_INFO = { version: "0.1.0", apiVersion: "v3.0", userAgent: "latchkey-chat-sdk/0.1.0" };

describe("login(uid, authKey)", () => {
	test("mints a token with the Auth Key, then PUT /me with it, and resolves the user with that token", async () => {
		const user = await CometChat.login("superhero1", server.h.seed.authKey);
		expect(server.calls()).toEqual(["POST /v3.0/users/superhero1/auth_tokens", "PUT /v3.0/me"]);
		const [mint, me] = server.requests;
		const deviceId = getDeviceId(mint);
		expect(deviceId).toMatch(new RegExp(`^${server.h.seed.app.id}_[0-9a-f-]{36}_\\d+$`));
		expect(mint?.body).toEqual({ platform: "WEB", deviceId, appInfo: APP_INFO });
		expect(me?.body).toEqual({ platform: "WEB", deviceId, appInfo: APP_INFO });
		expect(mint?.headers.apikey).toBe(server.h.seed.authKey);
		expect(mint?.headers.authtoken).toBeUndefined();
		expect(me?.headers.authtoken).toBe(user.getAuthToken());
		expect(me?.headers.apikey).toBeUndefined();
		expect(user.getUid()).toBe("superhero1");
		expect(user.getName()).toBe("Iron Man");
		expect(user.getStatus()).toBe("online");
		expect(user.getAuthToken()).toMatch(/^lkat_[0-9a-f]{20}\.[A-Za-z0-9_-]{43}$/);
		expect(await getTokenStatus(server.h, user.getAuthToken() ?? "")).toBe(200);
		expect(events).toEqual([["loginSuccess", "superhero1"]]);
	});

	test("sends the official SDK's headers on every call", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		for (const request of server.requests) {
			expect(request.headers.appid).toBe(server.h.seed.app.id);
			expect(request.headers.resource).toMatch(/^WEB-0_1_0-[0-9a-f-]{36}-\d+$/);
			expect(request.headers.sdk).toBe("latchkey-javascript@0.1.0");
			expect(request.headers.accept).toBe("application/json");
			expect(request.headers["content-type"]).toBe("application/json");
		}
	});

	test("routes later calls by the server's settings, keeping the override's http scheme", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		await CometChat.logout();
		expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
			"POST http://latchkey.test/v3.0/users/superhero1/auth_tokens",
			"PUT http://latchkey.test/v3.0/me",
			"DELETE http://chat.example.test:8443/v3.0/me",
		]);
	});

	test("an unknown uid rejects with ERR_UID_NOT_FOUND and fires loginFailure", async () => {
		const error = await rejectionOf(CometChat.login("nobody", server.h.seed.authKey));
		expect(error).toEqual({
			code: "ERR_UID_NOT_FOUND",
			name: "ERR_UID_NOT_FOUND",
			message: "The UID nobody does not exist, please make sure you have created a user with UID nobody.",
			details: {},
			status: 404,
			retryAfterMs: null,
		});
		expect(events).toEqual([["loginFailure", "ERR_UID_NOT_FOUND"]]);
		expect(await CometChat.getLoggedinUser()).toBeNull();
	});

	test("a wrong Auth Key rejects with AUTH_ERR_APIKEY_NOT_FOUND", async () => {
		const error = await rejectionOf(CometChat.login("superhero1", "lkak_00000000000000000000.wrong"));
		expect(error).toMatchObject({ code: "AUTH_ERR_APIKEY_NOT_FOUND", status: 401, retryAfterMs: null });
		expect(events).toEqual([["loginFailure", "AUTH_ERR_APIKEY_NOT_FOUND"]]);
	});

	test("missing arguments reject with MISSING_PARAMETERS and send nothing", async () => {
		const expected = {
			code: "MISSING_PARAMETERS",
			name: "MISSING_PARAMETERS",
			message: "Invalid or no parameter passed to the method.",
			details: {},
			status: 0,
			retryAfterMs: null,
		};
		expect(await rejectionOf(CometChat.login(""))).toEqual(expected);
		expect(await rejectionOf(CometChat.login("superhero1", ""))).toEqual(expected);
		expect(server.requests).toEqual([]);
	});

	test("the same uid again resolves from the session without a request and fires loginSuccess", async () => {
		const first = await CometChat.login("superhero1", server.h.seed.authKey);
		const again = await CometChat.login("SuperHero1", server.h.seed.authKey);
		expect(again.getAuthToken()).toBe(first.getAuthToken());
		expect(server.calls()).toHaveLength(2);
		expect(events).toEqual([
			["loginSuccess", "superhero1"],
			["loginSuccess", "superhero1"],
		]);
	});

	test("as another user, revokes the previous user's token on the server before logging in", async () => {
		const first = await CometChat.login("superhero1", server.h.seed.authKey);
		const second = await CometChat.login("superhero2", server.h.seed.authKey);
		expect(server.calls()).toEqual([
			"POST /v3.0/users/superhero1/auth_tokens",
			"PUT /v3.0/me",
			"DELETE /v3.0/me",
			"POST /v3.0/users/superhero2/auth_tokens",
			"PUT /v3.0/me",
		]);
		expect(server.requests[2]?.headers.authtoken).toBe(first.getAuthToken());
		expect(await getTokenStatus(server.h, first.getAuthToken() ?? "")).toBe(401);
		expect(await getTokenStatus(server.h, second.getAuthToken() ?? "")).toBe(200);
		expect(server.h.eventsOf("token.revoked")).toEqual([
			{
				type: "token.revoked",
				appId: server.h.seed.app.id,
				tokenIds: [first.getAuthToken()?.split(".")[0]],
				reason: "logged_out",
			},
		]);
		expect((await CometChat.getLoggedinUser())?.getUid()).toBe("superhero2");
		expect(events).toEqual([["loginSuccess", "superhero1"], ["logoutSuccess"], ["loginSuccess", "superhero2"]]);
	});

	test("concurrent identical calls share one POST auth_tokens (single-flight)", async () => {
		const [a, b] = await Promise.all([
			CometChat.login("superhero1", server.h.seed.authKey),
			CometChat.login("superhero1", server.h.seed.authKey),
		]);
		expect(a.getAuthToken()).toBe(b.getAuthToken());
		expect(server.calls()).toEqual(["POST /v3.0/users/superhero1/auth_tokens", "PUT /v3.0/me"]);
		expect(events).toEqual([["loginSuccess", "superhero1"]]);
	});

	test("a login started during logout waits for it and logs in afresh", async () => {
		const first = await CometChat.login("superhero1", server.h.seed.authKey);
		const logout = CometChat.logout();
		const again = await CometChat.login("superhero1", server.h.seed.authKey);
		await logout;
		expect(again.getAuthToken()).not.toBe(first.getAuthToken());
		expect(server.calls().slice(2)).toEqual([
			"DELETE /v3.0/me",
			"POST /v3.0/users/superhero1/auth_tokens",
			"PUT /v3.0/me",
		]);
		expect((await CometChat.getLoggedinUser())?.getAuthToken()).toBe(again.getAuthToken());
	});

	test("a logout started during a login waits for it, then logs that session out", async () => {
		const login = CometChat.login("superhero1", server.h.seed.authKey);
		const logout = CometChat.logout();
		const user = await login;
		expect(await logout).toEqual({ success: true, message: "The user has been logged out successfully." });
		expect(await getTokenStatus(server.h, user.getAuthToken() ?? "")).toBe(401);
		expect(await CometChat.getLoggedinUser()).toBeNull();
	});

	test("a different login while one is in flight rejects with LOGIN_IN_PROGRESS", async () => {
		const first = CometChat.login("superhero1", server.h.seed.authKey);
		const error = await rejectionOf(CometChat.login("superhero2", server.h.seed.authKey));
		expect(error).toEqual({
			code: "-1",
			name: "LOGIN_IN_PROGRESS",
			message: "Please wait until the previous login request ends.",
			details: {},
			status: 0,
			retryAfterMs: null,
		});
		expect((await first).getUid()).toBe("superhero1");
	});

	test("an unknown app id rejects with AUTH_ERR_INVALID_APPID", async () => {
		await CometChat.init("nosuchapp", createTestSettings(server).setStorage(createMemoryStorage()).build());
		const error = await rejectionOf(CometChat.login("superhero1", server.h.seed.authKey));
		expect(error).toEqual({
			code: "AUTH_ERR_INVALID_APPID",
			name: "AUTH_ERR_INVALID_APPID",
			message: "The appId nosuchapp does not exist.",
			details: {},
			status: 401,
			retryAfterMs: null,
		});
	});
});

describe("login(authToken)", () => {
	test("calls only PUT /me and resolves the token's user", async () => {
		const { authToken } = await mintToken(server.h, "superhero3");
		const user = await CometChat.login(authToken);
		expect(server.calls()).toEqual(["PUT /v3.0/me"]);
		expect(server.requests[0]?.headers.authtoken).toBe(authToken);
		expect(user.getUid()).toBe("superhero3");
		expect(user.getAuthToken()).toBe(authToken);
		expect(events).toEqual([["loginSuccess", "superhero3"]]);
	});

	test("accepts the official SDK's { authToken } form", async () => {
		const { authToken } = await mintToken(server.h, "superhero3");
		expect((await CometChat.login({ authToken })).getUid()).toBe("superhero3");
	});

	test("an unknown token rejects with AUTH_ERR_AUTH_TOKEN_NOT_FOUND", async () => {
		const error = await rejectionOf(CometChat.login("lkat_00000000000000000000.nope"));
		expect(error).toEqual({
			code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			name: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			message:
				"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.",
			details: {},
			status: 401,
			retryAfterMs: null,
		});
		expect(events).toEqual([["loginFailure", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"]]);
	});

	test("the stored token again resolves without a request", async () => {
		const user = await CometChat.login("superhero1", server.h.seed.authKey);
		await CometChat.login(user.getAuthToken() ?? "");
		expect(server.calls()).toHaveLength(2);
	});

	test("another token revokes the stored one first", async () => {
		const first = await CometChat.login("superhero1", server.h.seed.authKey);
		const { authToken } = await mintToken(server.h, "superhero1");
		await CometChat.login(authToken);
		expect(server.calls().slice(2)).toEqual(["DELETE /v3.0/me", "PUT /v3.0/me"]);
		expect(await getTokenStatus(server.h, first.getAuthToken() ?? "")).toBe(401);
		expect((await CometChat.getLoggedinUser())?.getAuthToken()).toBe(authToken);
	});
});
