import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { CometChat } from "../src/comet-chat.ts";
import { SDK_VERSION } from "../src/platform.ts";
import { createMemoryStorage } from "../src/session-storage.ts";
import {
	createTestServer,
	createTestSettings,
	type LoginEventRecord,
	recordLoginEvents,
	rejectionOf,
	type TestServer,
} from "./helpers.ts";

// Issue 15, "my devices": CometChat.getSessions(), endSession(id) and endOtherSessions() against the real server
// in process.

/** ManualClock's start, 2026-01-01T00:00:00Z, in unix seconds. */
const T0 = Date.UTC(2026, 0, 1) / 1000;

let server: TestServer;
let events: LoginEventRecord[];

/** A token of `uid` minted elsewhere (another device), as the REST API does. */
async function mintElsewhere(
	uid: string,
	body: Record<string, unknown> = {},
): Promise<{ authToken: string; id: string }> {
	const res = await server.h.call("POST", `/v3/users/${uid}/auth_tokens`, { key: server.h.seed.restApiKey, body });
	expect(res.status).toBe(200);
	return ((await res.json()) as { data: { authToken: string; id: string } }).data;
}

async function works(token: string): Promise<boolean> {
	return (await server.h.call("GET", "/v3.0/me", { token })).status === 200;
}

async function ownTokenId(): Promise<string> {
	const user = await CometChat.getLoggedinUser();
	return (user?.getAuthToken() ?? "").split(".")[0] as string;
}

function sdkError(code: string, message: string, status: number): Record<string, unknown> {
	return { code, name: code, message, details: {}, status, retryAfterMs: null };
}

beforeEach(async () => {
	server = await createTestServer();
	events = [];
	await CometChat.init(server.h.seed.app.id, createTestSettings(server).setStorage(createMemoryStorage()).build());
	CometChat.addLoginListener("sessions-test", new CometChat.LoginListener(recordLoginEvents(events)));
});

afterEach(async () => {
	CometChat.removeLoginListener("sessions-test");
	await CometChat.logout().catch(() => {});
	await server.close();
});

describe("CometChat.getSessions", () => {
	test("lists the user's devices, newest first, this SDK's own marked current", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		const ownId = await ownTokenId();
		server.h.clock.advance(3_000);
		const phone = await mintElsewhere("superhero1", { platform: "ios", deviceId: "phone-1" });
		await mintElsewhere("superhero2");

		const sessions = await CometChat.getSessions();
		expect(sessions).toEqual([
			{ id: phone.id, platform: "ios", deviceId: "phone-1", createdAt: T0 + 3, current: false },
			{
				id: ownId,
				platform: "WEB",
				userAgent: expect.any(String),
				deviceId: expect.stringMatching(new RegExp(`^${server.h.seed.app.id}_`)),
				appInfo: { version: SDK_VERSION, apiVersion: "v3.0", userAgent: expect.any(String) },
				createdAt: T0,
				lastUsedAt: T0,
				current: true,
			},
		]);
		expect(server.calls().at(-1)).toBe("GET /v3.0/me/sessions");
		expect(server.requests.at(-1)?.headers.authtoken).toMatch(/^lkat_/);
	});

	test("rejects with USER_NOT_LOGED_IN without a session, sending nothing", async () => {
		const sent = server.requests.length;
		for (const call of [
			() => CometChat.getSessions(),
			() => CometChat.endSession("lkat_00000000000000000000"),
			() => CometChat.endOtherSessions(),
		]) {
			expect(await rejectionOf(call())).toEqual(
				sdkError("USER_NOT_LOGED_IN", "No user is logged in. Please log in first.", 0),
			);
		}
		expect(server.requests.length).toBe(sent);
	});
});

describe("CometChat.endSession", () => {
	test("ends another device: its token stops working, this one stays logged in", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		const other = await mintElsewhere("superhero1");
		await CometChat.endSession(other.id);
		expect(server.calls().at(-1)).toBe(`DELETE /v3.0/me/sessions/${other.id}`);
		expect(await works(other.authToken)).toBe(false);
		expect((await CometChat.getLoggedinUser())?.getUid()).toBe("superhero1");
		expect((await CometChat.getSessions()).map((session) => session.current)).toEqual([true]);
	});

	test("ending this SDK's own token logs it out", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		const token = (await CometChat.getLoggedinUser())?.getAuthToken() as string;
		await CometChat.endSession(await ownTokenId());
		expect(await CometChat.getLoggedinUser()).toBeNull();
		expect(await works(token)).toBe(false);
		expect(events).toEqual([["loginSuccess", "superhero1"], ["logoutSuccess"]]);
	});

	test("another user's token rejects with ERR_AUTH_TOKEN_NOT_FOUND and ends nothing", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		const stranger = await mintElsewhere("superhero2");
		expect(await rejectionOf(CometChat.endSession(stranger.id))).toEqual(
			sdkError("ERR_AUTH_TOKEN_NOT_FOUND", "The auth token does not exist for the UID superhero1.", 404),
		);
		expect(await works(stranger.authToken)).toBe(true);
		expect((await CometChat.getLoggedinUser())?.getUid()).toBe("superhero1");
	});

	test("an empty id rejects with MISSING_PARAMETERS", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		expect(await rejectionOf(CometChat.endSession(""))).toEqual(
			sdkError("MISSING_PARAMETERS", "Invalid or no parameter passed to the method.", 0),
		);
	});
});

describe("CometChat.endOtherSessions", () => {
	test("ends every other device of the user and says how many", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		const second = await mintElsewhere("superhero1");
		const third = await mintElsewhere("superhero1");
		const stranger = await mintElsewhere("superhero2");
		expect(await CometChat.endOtherSessions()).toBe(2);
		expect(server.requests.at(-1)).toMatchObject({ method: "DELETE", body: { scope: "others" } });
		expect(await works(second.authToken)).toBe(false);
		expect(await works(third.authToken)).toBe(false);
		expect(await works(stranger.authToken)).toBe(true);
		expect((await CometChat.getSessions()).map((session) => session.id)).toEqual([await ownTokenId()]);
		expect(await CometChat.endOtherSessions()).toBe(0);
	});

	test("a session ended elsewhere is logged out on its next call, as any call", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		const ownToken = (await CometChat.getLoggedinUser())?.getAuthToken() as string;
		const other = await mintElsewhere("superhero1");
		// The other device ends every other session: this one.
		const res = await server.h.call("DELETE", "/v3.0/me/sessions", {
			token: other.authToken,
			body: { scope: "others" },
		});
		expect(res.status).toBe(200);
		const error = await rejectionOf(CometChat.getSessions());
		expect(error).toMatchObject({ code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", status: 401 });
		expect(await CometChat.getLoggedinUser()).toBeNull();
		expect(await works(ownToken)).toBe(false);
	});
});
