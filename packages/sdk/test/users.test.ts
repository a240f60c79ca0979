import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { Client } from "../src/client.ts";
import { CometChat } from "../src/comet-chat.ts";
import { createMemoryStorage } from "../src/session-storage.ts";
import { UsersRequestBuilder } from "../src/users-request.ts";
import { createTestServer, createTestSettings, rejectionOf, type TestServer } from "./helpers.ts";

// Issue 14: CometChat.getUser(uid) and UsersRequestBuilder, against the real server in process.

let server: TestServer;

async function createUser(body: Record<string, unknown>): Promise<void> {
	const res = await server.h.call("POST", "/v3/users", { key: server.h.seed.restApiKey, body });
	expect(res.status).toBe(200);
}

/** The query part of every user read the SDK sent. */
function userReads(): string[] {
	return server.requests
		.filter((request) => new URL(request.url).pathname.startsWith("/v3.0/users") && request.method === "GET")
		.map((request) => {
			const url = new URL(request.url);
			return `${url.pathname}${url.search}`;
		});
}

beforeEach(async () => {
	server = await createTestServer();
	for (const n of [1, 2, 3]) {
		await createUser({ uid: `al${n}`, name: `Al ${n}`, metadata: { team: "a" }, tags: ["t"], role: "crew" });
	}
	await createUser({ uid: "bo", name: "Bo" });
	await CometChat.init(server.h.seed.app.id, createTestSettings(server).setStorage(createMemoryStorage()).build());
	await CometChat.login("bo", server.h.seed.authKey);
});

afterEach(async () => {
	await CometChat.logout().catch(() => {});
	await server.close();
});

function sdkError(code: string, message: string, status: number): Record<string, unknown> {
	return { code, name: code, message, details: {}, status, retryAfterMs: null };
}

describe("CometChat.getUser", () => {
	test("answers the user as a client sees them, by uid or by an object with a uid", async () => {
		const user = await CometChat.getUser("AL1");
		expect(user).toBeInstanceOf(CometChat.User);
		expect({ uid: user.getUid(), name: user.getName(), status: user.getStatus(), role: user.getRole() }).toEqual({
			uid: "al1",
			name: "Al 1",
			status: "offline",
			role: "crew",
		});
		// No metadata for clients by default.
		expect(user.getMetadata()).toBeUndefined();
		expect((await CometChat.getUser({ uid: "al2" })).getUid()).toBe("al2");
		expect(userReads()).toEqual(["/v3.0/users/AL1", "/v3.0/users/al2"]);
		expect(server.requests.at(-1)?.headers.authtoken).toMatch(/^lkat_/);
		expect(server.requests.at(-1)?.headers.apikey).toBeUndefined();
	});

	test("reports the user's presence", async () => {
		await server.h.store.beatPresenceNode("node-1", server.h.clock.now());
		await server.h.store.insertPresence(server.h.seed.app.id, "al3", "node-1", server.h.clock.now());
		expect((await CometChat.getUser("al3")).getStatus()).toBe("online");
	});

	test("rejects an unknown uid with ERR_UID_NOT_FOUND and an empty one before any request", async () => {
		expect(await rejectionOf(CometChat.getUser("nobody"))).toEqual(
			sdkError(
				"ERR_UID_NOT_FOUND",
				"The UID nobody does not exist, please make sure you have created a user with UID nobody.",
				404,
			),
		);
		const before = server.requests.length;
		expect(await rejectionOf(CometChat.getUser(""))).toMatchObject({ code: "UID_IS_COMPULSORY" });
		expect(server.requests.length).toBe(before);
	});

	test("after logout it rejects with USER_NOT_LOGED_IN; a revoked token logs the session out", async () => {
		const token = (await CometChat.getLoggedinUser())?.getAuthToken() ?? "";
		const id = token.split(".")[0];
		const del = await server.h.call("DELETE", `/v3/users/bo/auth_tokens/${id}`, { key: server.h.seed.restApiKey });
		expect(del.status).toBe(200);
		expect(await rejectionOf(CometChat.getUser("al1"))).toMatchObject({
			code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			status: 401,
		});
		expect(await CometChat.getLoggedinUser()).toBeNull();
		expect(await rejectionOf(CometChat.getUser("al1"))).toMatchObject({ code: "USER_NOT_LOGED_IN" });
	});
});

describe("CometChat.UsersRequestBuilder", () => {
	test("pages to the end with the official SDK's query strings", async () => {
		const request = new CometChat.UsersRequestBuilder().setLimit(2).setSearchKeyword("al").build();
		const pages: string[][] = [];
		for (let users = await request.fetchNext(); ; users = await request.fetchNext()) {
			pages.push(users.map((user) => user.getUid()));
			if (users.length === 0) break;
		}
		expect(pages).toEqual([["al1", "al2"], ["al3"], []]);
		expect(userReads()).toEqual([
			"/v3.0/users?per_page=2&searchKey=al&page=1",
			"/v3.0/users?per_page=2&searchKey=al&page=2",
			"/v3.0/users?per_page=2&searchKey=al&page=3",
		]);
	});

	test("every setter goes on the wire as the official SDK puts it; status online is sent as available", async () => {
		await server.h.store.beatPresenceNode("node-1", server.h.clock.now());
		await server.h.store.insertPresence(server.h.seed.app.id, "al2", "node-1", server.h.clock.now());
		const online = new CometChat.UsersRequestBuilder().setLimit(5).setStatus(CometChat.USER_STATUS.ONLINE).build();
		expect((await online.fetchNext()).map((user) => [user.getUid(), user.getStatus()])).toEqual([["al2", "online"]]);
		const everything = new CometChat.UsersRequestBuilder()
			.setLimit(5)
			.setStatus(CometChat.USER_STATUS.OFFLINE)
			.hideBlockedUsers(true)
			.friendsOnly(true)
			.setRoles(["crew", "Mod"])
			.setTags(["t"])
			.withTags(true)
			.setUIDs(["al1", "al2", "al3"])
			.searchIn(["uid", "name"])
			.setSearchKeyword("al")
			.sortBy("name")
			.sortByOrder("desc")
			.build();
		const users = await everything.fetchNext();
		expect(users.map((user) => [user.getUid(), user.getTags(), user.getStatus()])).toEqual([
			["al1", ["t"], "offline"],
			["al3", ["t"], "offline"],
		]);
		expect(userReads()).toEqual([
			"/v3.0/users?per_page=5&status=available&page=1",
			"/v3.0/users?per_page=5&searchKey=al&status=offline&hideBlockedUsers=1&roles=crew,Mod&tags=t&friendsOnly=1&withTags=1&uids=al1,al2,al3&sortBy=name&sortOrder=desc&searchIn=uid,name&page=1",
		]);
		expect({ limit: everything.getLimit(), status: everything.getStatus(), uids: everything.getUIDs() }).toEqual({
			limit: 5,
			status: "offline",
			uids: ["al1", "al2", "al3"],
		});
	});

	test("a keyword with spaces and symbols is encoded once; the default limit is 30", async () => {
		await new CometChat.UsersRequestBuilder().setSearchKeyword("al b&c").build().fetchNext();
		expect(userReads()).toEqual(["/v3.0/users?per_page=30&searchKey=al%20b%26c&page=1"]);
	});

	test("calls made together share one request, the limit is kept within 1–100, and without a session it rejects", async () => {
		const request = new CometChat.UsersRequestBuilder().setLimit(101).build();
		const [a, b] = await Promise.all([request.fetchNext(), request.fetchNext()]);
		expect(a).toBe(b);
		expect(userReads()).toEqual(["/v3.0/users?per_page=100&page=1"]);
		await CometChat.logout();
		expect(await rejectionOf(request.fetchNext())).toMatchObject({ code: "USER_NOT_LOGED_IN" });
	});

	test("a Client of one's own pages with a builder bound to it", async () => {
		const client = new Client(
			server.h.seed.app.id,
			createTestSettings(server).setStorage(createMemoryStorage()).build(),
		);
		await client.login("al1", server.h.seed.authKey);
		const users = await new UsersRequestBuilder(() => client).setLimit(10).setSearchKeyword("b").build().fetchNext();
		expect(users.map((user) => user.getUid())).toEqual(["bo"]);
	});
});
