import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { TestIssuer } from "../../server/test/identity-issuer.ts";
import { CometChat } from "../src/comet-chat.ts";
import { createMemoryStorage } from "../src/session-storage.ts";
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

// CometChat.loginWithIdentityToken(jwt) (issue 18): the exchange, then login(authToken), against the real app.

let server: TestServer;
let issuer: TestIssuer;
let events: LoginEventRecord[];

beforeEach(async () => {
	server = await createTestServer();
	issuer = TestIssuer.offline("https://login.example.test/");
	await issuer.addKey("key-1");
	const res = await server.h.call("POST", "/v3/identity_providers", {
		key: server.h.seed.restApiKey,
		body: { issuer: issuer.issuer, jwks: issuer.jwks(), audiences: ["chat"], algorithms: ["ES256"], nameClaim: "name" },
	});
	expect(res.status).toBe(200);
	events = [];
	CometChat.addLoginListener("test", new CometChat.LoginListener(recordLoginEvents(events)));
	const settings = createTestSettings(server).setStorage(createMemoryStorage()).build();
	await CometChat.init(server.h.seed.app.id, settings);
});

afterEach(async () => {
	CometChat.removeLoginListener("test");
	await server.close();
});

function idToken(claims: Record<string, unknown> = {}): Promise<string> {
	const now = Math.floor(server.h.clock.now() / 1000);
	return issuer.sign({ sub: "alice", name: "Alice", aud: "chat", iat: now, exp: now + 300, ...claims });
}

const APP_INFO = { version: "0.1.0", apiVersion: "v3.0", userAgent: "latchkey-chat-sdk/0.1.0" };

describe("CometChat.loginWithIdentityToken(jwt)", () => {
	test("exchanges the JWT with only the app id, then logs in with the token as login(authToken) does", async () => {
		const jwt = await idToken();
		const user = await CometChat.loginWithIdentityToken(jwt);
		expect(server.calls()).toEqual(["POST /v3.0/auth_tokens/exchange", "PUT /v3.0/me"]);
		const [exchange, me] = server.requests;
		const deviceId = getDeviceId(exchange);
		expect(exchange?.body).toEqual({ token: jwt, platform: "WEB", deviceId, appInfo: APP_INFO });
		expect(exchange?.headers.apikey).toBeUndefined();
		expect(exchange?.headers.authtoken).toBeUndefined();
		expect(exchange?.headers.appid).toBe(server.h.seed.app.id);
		expect(me?.headers.authtoken).toBe(user.getAuthToken());
		expect([user.getUid(), user.getName()]).toEqual(["alice", "Alice"]);
		expect(user.getAuthToken()).toMatch(/^lkat_[0-9a-f]{20}\.[A-Za-z0-9_-]{43}$/);
		expect(await getTokenStatus(server.h, user.getAuthToken() ?? "")).toBe(200);
		expect((await CometChat.getLoggedinUser())?.getUid()).toBe("alice");
		expect(events).toEqual([["loginSuccess", "alice"]]);
	});

	test("a refused token rejects with AUTH_ERR_INVALID_IDENTITY_TOKEN and its reason, fires loginFailure, logs nobody in", async () => {
		const error = await rejectionOf(CometChat.loginWithIdentityToken(await idToken({ aud: "someone-else" })));
		expect(error).toEqual({
			code: "AUTH_ERR_INVALID_IDENTITY_TOKEN",
			name: "AUTH_ERR_INVALID_IDENTITY_TOKEN",
			message: "The identity token's audience is not accepted by its identity provider.",
			details: { reason: "audience" },
			status: 401,
			retryAfterMs: null,
		});
		expect(server.calls()).toEqual(["POST /v3.0/auth_tokens/exchange"]);
		expect(events).toEqual([["loginFailure", "AUTH_ERR_INVALID_IDENTITY_TOKEN"]]);
		expect(await CometChat.getLoggedinUser()).toBeNull();
	});

	test("an empty JWT rejects with MISSING_PARAMETERS and sends nothing", async () => {
		expect(await rejectionOf(CometChat.loginWithIdentityToken(""))).toEqual({
			code: "MISSING_PARAMETERS",
			name: "MISSING_PARAMETERS",
			message: "Invalid or no parameter passed to the method.",
			details: {},
			status: 0,
			retryAfterMs: null,
		});
		expect(server.requests).toEqual([]);
		expect(events).toEqual([["loginFailure", "MISSING_PARAMETERS"]]);
	});
});
