import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { SAMPLE_USERS } from "../src/domain/apps.ts";
import { createHarness, type Harness } from "./harness.ts";
import {
	createOtherApp,
	createUserOverHTTP,
	credentialId,
	errorBody,
	expectError,
	expectResponse,
	mintToken,
	readJSON,
	T0,
	TOKEN_PATTERN,
} from "./helpers.ts";

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

function sampleUser(index: number): Record<string, unknown> {
	const sample = SAMPLE_USERS[index];
	if (!sample) throw new Error(`no sample user ${index}`);
	return {
		uid: sample.uid,
		name: sample.name,
		avatar: sample.avatar,
		status: "offline",
		role: "default",
		createdAt: T0,
		isSampleUser: true,
	};
}

const UID_NOT_FOUND = (uid: string): string =>
	`The UID ${uid} does not exist, please make sure you have created a user with UID ${uid}.`;
const UID_TAKEN = (uid: string): string =>
	`The uid ${uid} already exists. Please use another uid or try after permanently deleting the user.`;
const BAD_REQUEST = "Failed to validate the data sent with the request.";

describe("POST /v3/users", () => {
	test("creates a user with every field and answers it in CometChat's shape", async () => {
		const res = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: {
				uid: "cometchat-uid-6",
				name: "Barry Allen",
				avatar: "https://example.test/a.png",
				link: "https://example.test",
				role: "Manager",
				statusMessage: "running",
				metadata: { "@private": { email: "barry@example.test" } },
				tags: ["Engineer", "manager"],
			},
		});
		await expectResponse(res, 200, {
			data: {
				uid: "cometchat-uid-6",
				name: "Barry Allen",
				link: "https://example.test",
				avatar: "https://example.test/a.png",
				metadata: { "@private": { email: "barry@example.test" } },
				status: "offline",
				role: "manager",
				statusMessage: "running",
				createdAt: T0,
				tags: ["Engineer", "manager"],
			},
		});
	});

	test("lower-cases the uid and defaults the role", async () => {
		const res = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "CometChat-UID-1", name: "A" },
		});
		await expectResponse(res, 200, {
			data: { uid: "cometchat-uid-1", name: "A", status: "offline", role: "default", createdAt: T0 },
		});
	});

	test("an Auth Key (authOnly) may create users, as the SDK's createUser(user, authKey) does", async () => {
		const res = await h.call("POST", "/v3.0/users", { key: h.seed.authKey, body: { uid: "bob", name: "Bob" } });
		await expectResponse(res, 200, {
			data: { uid: "bob", name: "Bob", status: "offline", role: "default", createdAt: T0 },
		});
	});

	test("withAuthToken adds a working auth token to the answer", async () => {
		const res = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "carol", name: "Carol", withAuthToken: true },
		});
		const body = (await readJSON(res)) as { data: { authToken: string } };
		expect(res.status).toBe(200);
		expect(body).toEqual({
			data: {
				uid: "carol",
				name: "Carol",
				status: "offline",
				role: "default",
				createdAt: T0,
				authToken: expect.stringMatching(TOKEN_PATTERN),
			},
		});
		const me = await h.call("GET", "/v3.0/me", { token: body.data.authToken });
		expect(me.status).toBe(200);
	});

	test("withAuthToken false answers no token", async () => {
		const data = await createUserOverHTTP(h, { uid: "dave", name: "Dave", withAuthToken: false });
		expect(data).not.toHaveProperty("authToken");
	});

	test("a duplicate uid is 400 ERR_UID_ALREADY_EXISTS, matched case-insensitively", async () => {
		const res = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "SuperHero1", name: "X" } });
		await expectError(res, 400, "ERR_UID_ALREADY_EXISTS", UID_TAKEN("superhero1"));
	});

	test("a soft-deleted user's uid stays taken", async () => {
		await createUserOverHTTP(h, { uid: "erin", name: "Erin" });
		expect((await h.call("DELETE", "/v3/users/erin", { key: h.seed.restApiKey })).status).toBe(200);
		const res = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "erin", name: "Erin 2" } });
		await expectError(res, 400, "ERR_UID_ALREADY_EXISTS", UID_TAKEN("erin"));
	});

	test("a permanently deleted user's uid can be created again, and the old tokens stay dead", async () => {
		await createUserOverHTTP(h, { uid: "frank", name: "Frank" });
		const old = await mintToken(h, "frank");
		const del = await h.call("DELETE", "/v3/users/frank", { key: h.seed.restApiKey, body: { permanent: true } });
		expect(del.status).toBe(200);
		const again = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "frank", name: "Frank 2" },
		});
		await expectResponse(again, 200, {
			data: { uid: "frank", name: "Frank 2", status: "offline", role: "default", createdAt: T0 },
		});
		const me = await h.call("GET", "/v3.0/me", { token: old.authToken });
		expect(me.status).toBe(401);
	});

	test("missing uid and name are 400 ERR_BAD_REQUEST with Laravel-style details", async () => {
		const res = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: {} });
		await expectError(res, 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			uid: ["The uid field is required."],
			name: ["The name field is required."],
		});
	});

	test("a uid with forbidden characters is refused", async () => {
		const res = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "a b/c", name: "X" } });
		await expectError(res, 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			uid: ["The uid may only contain letters, numbers, dashes and underscores."],
		});
	});

	test("a uid longer than 100 characters is refused, 100 is accepted", async () => {
		const res = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "a".repeat(101), name: "X" },
		});
		await expectError(res, 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			uid: ["The uid may not be greater than 100 characters."],
		});
		const ok = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "a".repeat(100), name: "X" } });
		expect(ok.status).toBe(200);
	});

	test("the SDK's createUser body (User JSON with its client-only fields) creates the user", async () => {
		const res = await h.call("POST", "/v3.0/users", {
			key: h.seed.authKey,
			body: {
				hasBlockedMe: false,
				blockedByMe: false,
				deactivatedAt: 0,
				uid: "bob",
				name: "Bob",
				avatar: "https://a.test/b.png",
				metadata: { k: "v" },
				role: "default",
				tags: ["t"],
			},
		});
		await expectResponse(res, 200, {
			data: {
				uid: "bob",
				name: "Bob",
				avatar: "https://a.test/b.png",
				metadata: { k: "v" },
				status: "offline",
				role: "default",
				createdAt: T0,
				tags: ["t"],
			},
		});
	});

	test("name and tag limits count characters, so 100 emoji fit (CometChat stores UTF8mb4)", async () => {
		const emoji = "😀".repeat(100);
		const ok = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "e", name: emoji, tags: [emoji] },
		});
		await expectResponse(ok, 200, {
			data: { uid: "e", name: emoji, status: "offline", role: "default", createdAt: T0, tags: [emoji] },
		});
		const over = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "f", name: `${emoji}😀`, tags: [`${emoji}😀`] },
		});
		await expectError(over, 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			name: ["The name may not be greater than 100 characters."],
			"tags.0": ["The tags.0 may not be greater than 100 characters."],
		});
	});

	test("avatar null is refused as CometChat does", async () => {
		const res = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "g", name: "G", avatar: null },
		});
		await expectError(res, 400, "ERR_BAD_REQUEST", BAD_REQUEST, { avatar: ["The avatar must have a value."] });
	});

	test("wrong field types, too many tags and a role with spaces are refused", async () => {
		const res = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "g", name: 5, tags: Array.from({ length: 26 }, (_, i) => `t${i}`), role: "a role" },
		});
		await expectError(res, 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			name: ["The name must be a string."],
			tags: ["The tags may not have more than 25 items."],
			role: ["The role may only contain letters, numbers, dashes and underscores."],
		});
	});

	test("metadata over 5 KB is refused", async () => {
		const res = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "g", name: "G", metadata: { blob: "x".repeat(5 * 1024) } },
		});
		await expectError(res, 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			metadata: ["The metadata may not be greater than 5 KB."],
		});
	});

	test("malformed JSON is 400 ERR_BAD_REQUEST", async () => {
		const res = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: '{"uid": "x",' });
		await expectError(res, 400, "ERR_BAD_REQUEST", "The request body is not valid JSON.", {
			body: ["The request body must be valid JSON."],
		});
	});

	test("a body over 10 KB is 413 ERR_PAYLOAD_TOO_LARGE", async () => {
		const res = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uid: "big", name: "B", statusMessage: "x".repeat(10 * 1024) },
		});
		await expectError(res, 413, "ERR_PAYLOAD_TOO_LARGE", "The request body may not be larger than 10 KB.", {
			maxBytes: 10 * 1024,
		});
		expect((await h.call("GET", "/v3/users/big", { key: h.seed.restApiKey })).status).toBe(404);
	});
});

describe("GET /v3/users", () => {
	test("lists the sample users with pagination meta", async () => {
		const res = await h.call("GET", "/v3/users", { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: [0, 1, 2, 3, 4].map(sampleUser),
			meta: { pagination: { total: 5, count: 5, per_page: 100, current_page: 1, total_pages: 1 } },
		});
	});

	test("pages with perPage and page, and accepts the SDK's per_page", async () => {
		const second = await h.call("GET", "/v3/users?perPage=2&page=2", { key: h.seed.restApiKey });
		await expectResponse(second, 200, {
			data: [sampleUser(2), sampleUser(3)],
			meta: { pagination: { total: 5, count: 2, per_page: 2, current_page: 2, total_pages: 3 } },
		});
		const last = await h.call("GET", "/v3.0/users?per_page=2&page=3", { key: h.seed.restApiKey });
		await expectResponse(last, 200, {
			data: [sampleUser(4)],
			meta: { pagination: { total: 5, count: 1, per_page: 2, current_page: 3, total_pages: 3 } },
		});
		const beyond = await h.call("GET", "/v3/users?perPage=2&page=9", { key: h.seed.restApiKey });
		await expectResponse(beyond, 200, {
			data: [],
			meta: { pagination: { total: 5, count: 0, per_page: 2, current_page: 9, total_pages: 3 } },
		});
	});

	test("perPage outside 1..1000 and a non-numeric page are 400", async () => {
		await expectError(
			await h.call("GET", "/v3/users?perPage=1001", { key: h.seed.restApiKey }),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{
				perPage: ["The perPage must be an integer between 1 and 1000."],
			},
		);
		await expectError(
			await h.call("GET", "/v3/users?perPage=0", { key: h.seed.restApiKey }),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{
				perPage: ["The perPage must be an integer between 1 and 1000."],
			},
		);
		await expectError(
			await h.call("GET", "/v3/users?page=x", { key: h.seed.restApiKey }),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{
				page: ["The page must be an integer between 1 and 1000000."],
			},
		);
	});

	test("searchKey is a case-insensitive prefix match on uid or name", async () => {
		await createUserOverHTTP(h, { uid: "spidey", name: "Peter Parker" });
		await createUserOverHTTP(h, { uid: "peter-q", name: "Star-Lord" });
		const uids = async (query: string): Promise<string[]> => {
			const res = await h.call("GET", `/v3/users?${query}`, { key: h.seed.restApiKey });
			expect(res.status).toBe(200);
			return ((await readJSON(res)) as { data: Array<{ uid: string }> }).data.map((u) => u.uid);
		};
		expect(await uids("searchKey=SPI")).toEqual(["spidey", "superhero3"]);
		expect(await uids("searchKey=peter")).toEqual(["peter-q", "spidey"]);
		expect(await uids("searchKey=peter&searchIn=uid")).toEqual(["peter-q"]);
		expect(await uids("searchKey=peter&searchIn=name")).toEqual(["spidey"]);
		expect(await uids("searchKey=peter&searchIn=name,uid")).toEqual(["peter-q", "spidey"]);
		expect(await uids("searchKey=man")).toEqual([]);
		expect(await uids("searchKey=%25")).toEqual([]);
	});

	test("filters by role, roles and tags; withTags adds tags", async () => {
		await createUserOverHTTP(h, { uid: "m1", name: "M1", role: "manager", tags: ["blue", "red"] });
		await createUserOverHTTP(h, { uid: "m2", name: "M2", role: "admin", tags: ["red"] });
		const list = async (query: string): Promise<unknown> =>
			((await readJSON(await h.call("GET", `/v3/users?${query}`, { key: h.seed.restApiKey }))) as { data: unknown })
				.data;
		expect(await list("role=manager")).toEqual([
			{ uid: "m1", name: "M1", status: "offline", role: "manager", createdAt: T0 },
		]);
		expect(await list("roles=manager,ADMIN")).toEqual([
			{ uid: "m1", name: "M1", status: "offline", role: "manager", createdAt: T0 },
			{ uid: "m2", name: "M2", status: "offline", role: "admin", createdAt: T0 },
		]);
		expect(await list("tags=red&withTags=true")).toEqual([
			{ uid: "m1", name: "M1", status: "offline", role: "manager", createdAt: T0, tags: ["blue", "red"] },
			{ uid: "m2", name: "M2", status: "offline", role: "admin", createdAt: T0, tags: ["red"] },
		]);
		expect(await list("tags=blue,red&withTags=1")).toEqual([
			{ uid: "m1", name: "M1", status: "offline", role: "manager", createdAt: T0, tags: ["blue", "red"] },
		]);
	});

	test("status=available finds nobody (REST users are always offline); status=offline finds everyone", async () => {
		await expectResponse(await h.call("GET", "/v3/users?status=available", { key: h.seed.restApiKey }), 200, {
			data: [],
			meta: { pagination: { total: 0, count: 0, per_page: 100, current_page: 1, total_pages: 1 } },
		});
		const offline = (await readJSON(await h.call("GET", "/v3/users?status=offline", { key: h.seed.restApiKey }))) as {
			data: unknown[];
		};
		expect(offline.data).toHaveLength(5);
	});

	test("deactivated users are hidden unless withDeactivated or onlyDeactivated", async () => {
		h.clock.advance(5000);
		expect((await h.call("DELETE", "/v3/users/superhero2", { key: h.seed.restApiKey })).status).toBe(200);
		const uids = async (query: string): Promise<unknown> =>
			(
				(await readJSON(await h.call("GET", `/v3/users?${query}`, { key: h.seed.restApiKey }))) as {
					data: Array<{ uid: string }>;
				}
			).data.map((u) => u.uid);
		expect(await uids("")).toEqual(["superhero1", "superhero3", "superhero4", "superhero5"]);
		expect(await uids("withDeactivated=true")).toEqual([
			"superhero1",
			"superhero2",
			"superhero3",
			"superhero4",
			"superhero5",
		]);
		const only = await h.call("GET", "/v3/users?onlyDeactivated=1", { key: h.seed.restApiKey });
		await expectResponse(only, 200, {
			data: [{ ...sampleUser(1), deactivatedAt: T0 + 5 }],
			meta: { pagination: { total: 1, count: 1, per_page: 100, current_page: 1, total_pages: 1 } },
		});
	});
});

describe("GET /v3/users/{uid}", () => {
	test("answers the user, the uid matched case-insensitively", async () => {
		await expectResponse(await h.call("GET", "/v3/users/SUPERHERO1", { key: h.seed.restApiKey }), 200, {
			data: sampleUser(0),
		});
	});

	test("an unknown uid is 404 ERR_UID_NOT_FOUND", async () => {
		await expectError(
			await h.call("GET", "/v3/users/nobody", { key: h.seed.restApiKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("nobody"),
		);
	});

	test("a deactivated user is 404 ERR_UID_NOT_FOUND", async () => {
		await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey });
		await expectError(
			await h.call("GET", "/v3/users/superhero1", { key: h.seed.restApiKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("superhero1"),
		);
	});

	test("a path uid with forbidden characters or over 100 characters is 404, not an error", async () => {
		await expectError(
			await h.call("GET", "/v3/users/a%20b", { key: h.seed.restApiKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("a b"),
		);
		const long = "a".repeat(101);
		await expectError(
			await h.call("GET", `/v3/users/${long}`, { key: h.seed.restApiKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND(long),
		);
	});
});

describe("PUT /v3/users/{uid}", () => {
	test("overwrites present fields, replaces tags and metadata, and sets updatedAt", async () => {
		await createUserOverHTTP(h, {
			uid: "hank",
			name: "Hank",
			avatar: "https://a.test/x.png",
			metadata: { a: 1 },
			tags: ["x"],
		});
		h.clock.advance(60_000);
		const res = await h.call("PUT", "/v3/users/HANK", {
			key: h.seed.restApiKey,
			body: { name: "Hank P.", metadata: { b: 2 }, tags: ["y", "z"], role: "Admin", statusMessage: "hi" },
		});
		await expectResponse(res, 200, {
			data: {
				uid: "hank",
				name: "Hank P.",
				avatar: "https://a.test/x.png",
				metadata: { b: 2 },
				status: "offline",
				role: "admin",
				statusMessage: "hi",
				createdAt: T0,
				updatedAt: T0 + 60,
				tags: ["y", "z"],
			},
		});
	});

	test("unset removes avatar, link and metadata", async () => {
		await createUserOverHTTP(h, {
			uid: "ivy",
			name: "Ivy",
			avatar: "https://a.test/x.png",
			link: "https://l.test",
			metadata: { a: 1 },
		});
		const res = await h.call("PUT", "/v3/users/ivy", {
			key: h.seed.restApiKey,
			body: { unset: ["avatar", "link", "metadata"] },
		});
		await expectResponse(res, 200, {
			data: { uid: "ivy", name: "Ivy", status: "offline", role: "default", createdAt: T0, updatedAt: T0 },
		});
	});

	test("unset of any other field is refused", async () => {
		const res = await h.call("PUT", "/v3/users/superhero1", { key: h.seed.restApiKey, body: { unset: ["name"] } });
		await expectError(res, 400, "ERR_BAD_REQUEST", BAD_REQUEST, { "unset.0": ["The selected unset.0 is invalid."] });
	});

	test("the uid cannot be changed", async () => {
		const res = await h.call("PUT", "/v3/users/superhero1", {
			key: h.seed.restApiKey,
			body: { uid: "evil", name: "N" },
		});
		expect(res.status).toBe(200);
		expect(((await readJSON(res)) as { data: { uid: string } }).data.uid).toBe("superhero1");
		expect((await h.call("GET", "/v3/users/evil", { key: h.seed.restApiKey })).status).toBe(404);
	});

	test("an Auth Key may update users, as the SDK's updateUser(user, authKey) does", async () => {
		const res = await h.call("PUT", "/v3.0/users/superhero1", { key: h.seed.authKey, body: { name: "Tony" } });
		await expectResponse(res, 200, { data: { ...sampleUser(0), name: "Tony", updatedAt: T0 } });
	});

	test("an unknown or deactivated uid is 404", async () => {
		await expectError(
			await h.call("PUT", "/v3/users/nobody", { key: h.seed.restApiKey, body: { name: "N" } }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("nobody"),
		);
		await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey });
		await expectError(
			await h.call("PUT", "/v3/users/superhero1", { key: h.seed.restApiKey, body: { name: "N" } }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("superhero1"),
		);
	});

	test("an empty name is refused", async () => {
		const res = await h.call("PUT", "/v3/users/superhero1", { key: h.seed.restApiKey, body: { name: "  " } });
		await expectError(res, 400, "ERR_BAD_REQUEST", BAD_REQUEST, { name: ["The name field is required."] });
	});
});

describe("DELETE /v3/users/{uid}", () => {
	test("a soft delete deactivates the user, keeps the tokens unusable and publishes user.deactivated", async () => {
		const token = await mintToken(h, "superhero1");
		const res = await h.call("DELETE", "/v3/users/SuperHero1", { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: { success: true, message: "User with superhero1 has been deleted successfully." },
		});
		expect(h.eventsOf("token.revoked", "user.deactivated", "user.deleted")).toEqual([
			{ type: "user.deactivated", appId: h.seed.app.id, uid: "superhero1" },
		]);
		await expectError(
			await h.call("GET", "/v3.0/me", { token: token.authToken }),
			401,
			"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.",
		);
		await expectError(
			await h.call("GET", "/v3/users/superhero1/auth_tokens", { key: h.seed.restApiKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("superhero1"),
		);
	});

	test("deleting a deactivated user again is 404 unless permanent", async () => {
		await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey });
		await expectError(
			await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("superhero1"),
		);
		const res = await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey, body: { permanent: true } });
		expect(res.status).toBe(200);
		const list = await h.call("GET", "/v3/users?withDeactivated=true&searchKey=superhero1", { key: h.seed.restApiKey });
		expect(((await readJSON(list)) as { data: unknown[] }).data).toEqual([]);
	});

	test("a permanent delete removes every token and publishes user.deleted", async () => {
		const a = await mintToken(h, "superhero1");
		h.clock.advance(1);
		const b = await mintToken(h, "superhero1");
		const res = await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey, body: { permanent: true } });
		await expectResponse(res, 200, {
			data: { success: true, message: "User with superhero1 has been deleted successfully." },
		});
		// One event ends every session of the user: the cache drops them and their sockets close.
		expect(h.eventsOf("token.revoked", "user.deactivated", "user.deleted")).toEqual([
			{ type: "user.deleted", appId: h.seed.app.id, uid: "superhero1" },
		]);
		expect(await h.store.findExistingAuthTokenIds([a.id, b.id])).toEqual([]);
		expect((await h.call("GET", "/v3.0/me", { token: a.authToken })).status).toBe(401);
		expect((await h.call("GET", "/v3.0/me", { token: b.authToken })).status).toBe(401);
	});

	test("an unknown uid is 404", async () => {
		await expectError(
			await h.call("DELETE", "/v3/users/nobody", { key: h.seed.restApiKey }),
			404,
			"ERR_UID_NOT_FOUND",
			UID_NOT_FOUND("nobody"),
		);
		expect(h.eventsOf("token.revoked", "user.deactivated", "user.deleted")).toEqual([]);
	});

	test("a malformed DELETE body is 400 and deletes nothing", async () => {
		const res = await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey, body: "{permanent" });
		expect(res.status).toBe(400);
		expect((await h.call("GET", "/v3/users/superhero1", { key: h.seed.restApiKey })).status).toBe(200);
	});
});

describe("users: credentials", () => {
	const ROUTES: Array<{ method: string; path: string; body?: unknown; authOnlyAllowed: boolean }> = [
		{ method: "POST", path: "/v3/users", body: { uid: "new-user", name: "N" }, authOnlyAllowed: true },
		{ method: "GET", path: "/v3/users", authOnlyAllowed: false },
		{ method: "GET", path: "/v3/users/superhero1", authOnlyAllowed: false },
		{ method: "PUT", path: "/v3/users/superhero1", body: { name: "N" }, authOnlyAllowed: true },
		{ method: "DELETE", path: "/v3/users/superhero1", authOnlyAllowed: false },
	];

	for (const route of ROUTES) {
		const label = `${route.method} ${route.path}`;

		test(`${label} without an apikey header is 401 AUTH_ERR_EMPTY_APIKEY`, async () => {
			const res = await h.call(route.method, route.path, { body: route.body });
			await expectError(res, 401, "AUTH_ERR_EMPTY_APIKEY", "The apiKey is missing in the headers.");
		});

		test(`${label} with a wrong secret is 401 AUTH_ERR_APIKEY_NOT_FOUND and never echoes the secret`, async () => {
			const wrong = `${credentialId(h.seed.restApiKey)}.${"A".repeat(43)}`;
			const res = await h.call(route.method, route.path, { key: wrong, body: route.body });
			const text = await res.clone().text();
			expect(text).not.toContain("A".repeat(43));
			await expectError(
				res,
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				`The key ${credentialId(h.seed.restApiKey)}.******** does not exist. Please use correct apiKey.`,
			);
		});

		test(`${label} with a made-up key is 401 AUTH_ERR_APIKEY_NOT_FOUND`, async () => {
			const res = await h.call(route.method, route.path, {
				key: "f1915e328e249ffaaafd97fb46a57ba55d233fbf",
				body: route.body,
			});
			await expectError(
				res,
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				"The key ******** does not exist. Please use correct apiKey.",
			);
		});

		test(`${label} with another app's key is 401 AUTH_ERR_APIKEY_NOT_FOUND`, async () => {
			const other = await createOtherApp(h);
			const res = await h.call(route.method, route.path, { key: other.restApiKey, body: route.body });
			await expectError(
				res,
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				`The key ${credentialId(other.restApiKey)}.******** does not exist. Please use correct apiKey.`,
			);
		});

		test(`${label} with a deleted key is 401 AUTH_ERR_APIKEY_NOT_FOUND`, async () => {
			const created = await h.call("POST", "/v3/apikeys", {
				key: h.seed.restApiKey,
				body: { name: "tmp", scope: "fullAccess" },
			});
			const key = ((await readJSON(created)) as { data: { apiKey: string; id: string } }).data;
			expect((await h.call("DELETE", `/v3/apikeys/${key.id}`, { key: h.seed.restApiKey })).status).toBe(200);
			const res = await h.call(route.method, route.path, { key: key.apiKey, body: route.body });
			await expectError(
				res,
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				`The key ${key.id}.******** does not exist. Please use correct apiKey.`,
			);
		});

		if (!route.authOnlyAllowed) {
			test(`${label} with an authOnly key is 403 AUTH_ERR_NO_ACCESS`, async () => {
				const res = await h.call(route.method, route.path, { key: h.seed.authKey, body: route.body });
				await expectError(
					res,
					403,
					"AUTH_ERR_NO_ACCESS",
					`The key ${credentialId(h.seed.authKey)}.******** cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
				);
			});
		}
	}

	test("another app's users are invisible with this app's key, and the other app keeps its own", async () => {
		const other = await createOtherApp(h);
		await createUserOverHTTP(h, { uid: "only-here", name: "Here" });
		const res = await h.call("GET", "/v3/users/only-here", {
			key: other.restApiKey,
			headers: { appid: other.app.id },
		});
		await expectError(res, 404, "ERR_UID_NOT_FOUND", UID_NOT_FOUND("only-here"));
		const mine = await h.call("GET", "/v3/users/only-here", { key: h.seed.restApiKey });
		expect(mine.status).toBe(200);
	});

	test("the error body never carries a stack", async () => {
		const res = await h.call("GET", "/v3/users", { key: "nope" });
		expect(await readJSON(res)).toEqual(
			errorBody("AUTH_ERR_APIKEY_NOT_FOUND", "The key ******** does not exist. Please use correct apiKey."),
		);
	});
});
