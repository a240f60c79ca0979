import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { CometChat } from "../src/comet-chat.ts";
import { createMemoryStorage, type SessionStorage } from "../src/session-storage.ts";
import {
	createTestServer,
	createTestSettings,
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

function sdkError(code: string, message: string, name = code): Record<string, unknown> {
	return { code, name, message, details: {}, status: 0, retryAfterMs: null };
}

describe("before init", () => {
	test("every method rejects with COMETCHAT_INITIALIZATION_NOT_DONE", async () => {
		vi.resetModules();
		const fresh = (await import("../src/comet-chat.ts")).CometChat;
		const expected = sdkError(
			"-1",
			"CometChat is not initialized. Please call CometChat.init() first.",
			"COMETCHAT_INITIALIZATION_NOT_DONE",
		);
		expect(await rejectionOf(fresh.login("superhero1", "key"))).toEqual(expected);
		expect(await rejectionOf(fresh.getLoggedinUser())).toEqual(expected);
		expect(await rejectionOf(fresh.logout())).toEqual(expected);
		expect(await rejectionOf(fresh.createUser(new fresh.User("bob", "Bob"), "key"))).toEqual(expected);
		expect(await rejectionOf(fresh.updateCurrentUserDetails(new fresh.User("bob")))).toEqual(expected);
		expect(await rejectionOf(fresh.connect())).toEqual(expected);
		expect(fresh.getConnectionStatus()).toBe("disconnected");
	});

	test("init without an app id rejects with MISSING_PARAMETERS", async () => {
		expect(await rejectionOf(CometChat.init(" "))).toEqual(
			sdkError("MISSING_PARAMETERS", "AppID cannot be empty. Please specify a valid appID."),
		);
	});

	test("init accepts the official { appId, appSettings } form and resolves true", async () => {
		const settings = createTestSettings(server).setStorage(createMemoryStorage()).build();
		expect(await CometChat.init({ appId: server.h.seed.app.id, appSettings: settings })).toBe(true);
		expect((await CometChat.login("superhero1", server.h.seed.authKey)).getUid()).toBe("superhero1");
	});

	test("init makes no request", async () => {
		expect(server.requests).toEqual([]);
	});
});

describe("logout()", () => {
	test("revokes the token on the server, clears the session and fires logoutSuccess", async () => {
		const user = await CometChat.login("superhero1", server.h.seed.authKey);
		const answer = await CometChat.logout();
		expect(answer).toEqual({ success: true, message: "The user has been logged out successfully." });
		expect(server.calls().at(-1)).toBe("DELETE /v3.0/me");
		expect(server.requests.at(-1)?.headers.authtoken).toBe(user.getAuthToken());
		expect(await getTokenStatus(server.h, user.getAuthToken() ?? "")).toBe(401);
		expect(await CometChat.getLoggedinUser()).toBeNull();
		expect(await storage.read(server.h.seed.app.id)).not.toContain("lkat_");
		expect(events).toEqual([["loginSuccess", "superhero1"], ["logoutSuccess"]]);
	});

	test("without a session rejects with USER_NOT_LOGED_IN and sends nothing", async () => {
		expect(await rejectionOf(CometChat.logout())).toEqual(
			sdkError("USER_NOT_LOGED_IN", "No user is logged in. Please log in first."),
		);
		expect(server.requests).toEqual([]);
	});

	test("a token the server already revoked still logs out: resolves {} and fires logoutSuccess once", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		await server.h.call("DELETE", "/v3.0/users/superhero1/auth_tokens", { key: server.h.seed.restApiKey });
		expect(await CometChat.logout()).toEqual({});
		expect(await CometChat.getLoggedinUser()).toBeNull();
		expect(events).toEqual([["loginSuccess", "superhero1"], ["logoutSuccess"]]);
	});

	test("an unreachable server rejects with FAILED_TO_FETCH, fires logoutFailure, and still clears locally", async () => {
		const fetchFailing = vi.fn(async () => {
			throw new TypeError("fetch failed");
		});
		await CometChat.init(
			server.h.seed.app.id,
			createTestSettings(server)
				.setStorage(storage)
				.setFetch(async (input, init) =>
					init.method === "DELETE" ? await fetchFailing() : await server.fetch(input, init),
				)
				.build(),
		);
		await CometChat.login("superhero1", server.h.seed.authKey);
		const error = await rejectionOf(CometChat.logout());
		expect(error).toEqual({
			...sdkError(
				"FAILED_TO_FETCH",
				"There is an unknown issue with the API request. Please check your internet connection and verify the api call.",
			),
		});
		expect(fetchFailing).toHaveBeenCalledTimes(1);
		expect(await CometChat.getLoggedinUser()).toBeNull();
		expect(events).toEqual([
			["loginSuccess", "superhero1"],
			["logoutFailure", "FAILED_TO_FETCH"],
		]);
	});
});

describe("createUser(user, authKey)", () => {
	test("creates the user with the Auth Key and resolves it", async () => {
		const user = new CometChat.User("Bob");
		user.setName("Bob Builder");
		user.setMetadata({ team: "red" });
		user.setTags(["vip"]);
		const created = await CometChat.createUser(user, server.h.seed.authKey);
		expect(server.calls()).toEqual(["POST /v3.0/users"]);
		expect(server.requests[0]?.headers.apikey).toBe(server.h.seed.authKey);
		expect(server.requests[0]?.body).toEqual({
			uid: "Bob",
			name: "Bob Builder",
			metadata: { team: "red" },
			tags: ["vip"],
		});
		expect(created).toBeInstanceOf(CometChat.User);
		expect(created.getUid()).toBe("bob");
		expect(created.getName()).toBe("Bob Builder");
		expect(created.getMetadata()).toEqual({ team: "red" });
		expect(created.getTags()).toEqual(["vip"]);
		expect(created.getStatus()).toBe("offline");
		expect((await CometChat.login("bob", server.h.seed.authKey)).getName()).toBe("Bob Builder");
	});

	test("an existing uid rejects with ERR_UID_ALREADY_EXISTS", async () => {
		const error = await rejectionOf(CometChat.createUser(new CometChat.User("superhero1", "X"), server.h.seed.authKey));
		expect(error).toMatchObject({ code: "ERR_UID_ALREADY_EXISTS", status: 400, details: {} });
	});

	test("a bad uid rejects with ERR_BAD_REQUEST and the field details", async () => {
		const error = await rejectionOf(CometChat.createUser(new CometChat.User("no spaces", "X"), server.h.seed.authKey));
		expect(error).toEqual({
			code: "ERR_BAD_REQUEST",
			name: "ERR_BAD_REQUEST",
			message: "Failed to validate the data sent with the request.",
			details: { uid: ["The uid may only contain letters, numbers, dashes and underscores."] },
			status: 400,
			retryAfterMs: null,
		});
	});

	test("a wrong key rejects with AUTH_ERR_APIKEY_NOT_FOUND", async () => {
		const error = await rejectionOf(
			CometChat.createUser(new CometChat.User("carol", "Carol"), "lkak_00000000000000000000.nope"),
		);
		expect(error).toMatchObject({ code: "AUTH_ERR_APIKEY_NOT_FOUND", status: 401 });
	});

	test("checks key, uid and name locally before sending anything", async () => {
		expect(await rejectionOf(CometChat.createUser(new CometChat.User("carol", "Carol"), ""))).toEqual(
			sdkError("INVALID_AUTH_KEY", "Invalid AUTH_KEY. Please provide a valid AUTH_KEY."),
		);
		expect(await rejectionOf(CometChat.createUser(new CometChat.User(), server.h.seed.authKey))).toEqual(
			sdkError("UID_IS_COMPULSORY", "UID cannot be empty. Please provide a valid UID."),
		);
		expect(await rejectionOf(CometChat.createUser(new CometChat.User("carol"), server.h.seed.authKey))).toEqual(
			sdkError("USER_NAME_IS_COMPULSORY", "Name cannot be empty. Please provide a valid name."),
		);
		expect(server.requests).toEqual([]);
	});
});

describe("updateCurrentUserDetails(user)", () => {
	test("updates the profile with PUT /me, keeps the token, and stores the new details", async () => {
		const me = await CometChat.login("superhero1", server.h.seed.authKey);
		const change = new CometChat.User("someone-else");
		change.setName("Tony Stark");
		change.setStatusMessage("Genius");
		const updated = await CometChat.updateCurrentUserDetails(change);
		expect(server.requests.at(-1)?.body).toEqual({ uid: "superhero1", name: "Tony Stark", statusMessage: "Genius" });
		expect(updated.getUid()).toBe("superhero1");
		expect(updated.getName()).toBe("Tony Stark");
		expect(updated.getStatusMessage()).toBe("Genius");
		expect(updated.getAuthToken()).toBe(me.getAuthToken());
		const stored = await CometChat.getLoggedinUser();
		expect(stored?.getName()).toBe("Tony Stark");
		expect(stored?.getAuthToken()).toBe(me.getAuthToken());
		const onServer = await server.h.call("GET", "/v3/users/superhero1", { key: server.h.seed.restApiKey });
		expect(((await onServer.json()) as { data: { name: string } }).data.name).toBe("Tony Stark");
	});

	test("without a session rejects with USER_NOT_LOGED_IN", async () => {
		expect(await rejectionOf(CometChat.updateCurrentUserDetails(new CometChat.User("x", "X")))).toEqual(
			sdkError("USER_NOT_LOGED_IN", "No user is logged in. Please log in first."),
		);
		expect(server.requests).toEqual([]);
	});

	test("invalid details reject with ERR_BAD_REQUEST and keep the session", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		const change = new CometChat.User("superhero1", "x".repeat(101));
		const error = await rejectionOf(CometChat.updateCurrentUserDetails(change));
		expect(error).toMatchObject({
			code: "ERR_BAD_REQUEST",
			status: 400,
			details: { name: ["The name may not be greater than 100 characters."] },
		});
		expect((await CometChat.getLoggedinUser())?.getName()).toBe("Iron Man");
	});

	test("a revoked token rejects with AUTH_ERR_AUTH_TOKEN_NOT_FOUND, ends the session and fires logoutSuccess", async () => {
		await CometChat.login("superhero1", server.h.seed.authKey);
		await server.h.call("DELETE", "/v3.0/users/superhero1/auth_tokens", { key: server.h.seed.restApiKey });
		const error = await rejectionOf(CometChat.updateCurrentUserDetails(new CometChat.User("superhero1", "New")));
		expect(error).toMatchObject({ code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", status: 401 });
		expect(await CometChat.getLoggedinUser()).toBeNull();
		expect(events).toEqual([["loginSuccess", "superhero1"], ["logoutSuccess"]]);
	});
});
