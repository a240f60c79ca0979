import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createAuthToken } from "../src/domain/auth-tokens.ts";
import { DEFAULT_CLIENT_USER_FIELDS, setClientUserFields } from "../src/domain/client-user-fields.ts";
import { PRESENCE_STALE_AFTER_MS } from "../src/domain/presence.ts";
import { RateLimits } from "../src/web/rate-limits.ts";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, createUserOverHTTP, errorBody, expectError, mintToken, readJSON, T0 } from "./helpers.ts";

// Issue 14: GET /users and GET /users/{uid} with a logged-in user's auth token (the official SDK's UsersRequest
// and getUser), next to the API key they always took.

const TOKEN_NOT_FOUND =
	"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.";

let h: Harness;
let token: string;

beforeEach(async () => {
	h = await createHarness();
	await createUserOverHTTP(h, {
		uid: "cl-ann",
		name: "Ann",
		avatar: "https://a.example/ann.png",
		link: "https://ann.example",
		statusMessage: "here",
		metadata: { "@private": { email: "ann@example.com" }, team: "red" },
		tags: ["Red"],
		role: "admin",
	});
	await createUserOverHTTP(h, { uid: "cl-bob", name: "Bob", metadata: { "@private": { email: "bob@example.com" } } });
	await createUserOverHTTP(h, { uid: "cl-cat", name: "Alice Cat", tags: ["red"] });
	await createUserOverHTTP(h, { uid: "cl-dan", name: "Dan" });
	token = (await mintToken(h, "cl-bob")).authToken;
});
afterEach(async () => {
	vi.useRealTimers();
	await h.close();
});

/** Ann as a client sees her by default: no metadata, deactivatedAt or isSampleUser. */
const ANN_CLIENT = {
	uid: "cl-ann",
	name: "Ann",
	link: "https://ann.example",
	avatar: "https://a.example/ann.png",
	status: "offline",
	role: "admin",
	statusMessage: "here",
	createdAt: T0,
};

function pagination(total: number, count: number, perPage: number, page: number): Record<string, number> {
	return { total, count, per_page: perPage, current_page: page, total_pages: Math.max(1, Math.ceil(total / perPage)) };
}

describe("GET /users with an auth token", () => {
	test("lists active users with the fields a client may see, as the SDK asks (per_page, searchKey, page)", async () => {
		const res = await h.call("GET", "/v3.0/users?per_page=2&searchKey=cl-&page=1", { token });
		expect({ status: res.status, body: await readJSON(res) }).toEqual({
			status: 200,
			body: {
				data: [ANN_CLIENT, { uid: "cl-bob", name: "Bob", status: "offline", role: "default", createdAt: T0 }],
				meta: { pagination: pagination(4, 2, 2, 1) },
			},
		});
		const last = await h.call("GET", "/v3.0/users?per_page=2&searchKey=cl-&page=2", { token });
		expect(await readJSON(last)).toEqual({
			data: [
				{ uid: "cl-cat", name: "Alice Cat", status: "offline", role: "default", createdAt: T0 },
				{ uid: "cl-dan", name: "Dan", status: "offline", role: "default", createdAt: T0 },
			],
			meta: { pagination: pagination(4, 2, 2, 2) },
		});
	});

	test("the same on /v3, and the API key still sees every field", async () => {
		const client = await h.call("GET", "/v3/users?searchKey=cl-ann", { token });
		expect(await readJSON(client)).toEqual({ data: [ANN_CLIENT], meta: { pagination: pagination(1, 1, 100, 1) } });
		const admin = await h.call("GET", "/v3/users?searchKey=cl-ann&withTags=1", { key: h.seed.restApiKey });
		expect(await readJSON(admin)).toEqual({
			data: [
				{
					...ANN_CLIENT,
					metadata: { "@private": { email: "ann@example.com" }, team: "red" },
					tags: ["Red"],
				},
			],
			meta: { pagination: pagination(1, 1, 100, 1) },
		});
	});

	test("searchIn, roles, tags with withTags, and uids filter as the SDK sends them; friends and blocks are ignored", async () => {
		const byName = await h.call("GET", "/v3.0/users?per_page=30&searchKey=al&searchIn=name&page=1", { token });
		expect(((await readJSON(byName)) as { data: Array<{ uid: string }> }).data.map((u) => u.uid)).toEqual(["cl-cat"]);
		const query =
			"per_page=5&searchKey=cl&roles=default,Admin&tags=red&withTags=1&uids=cl-ann,CL-CAT,cl-dan&sortBy=name&sortOrder=desc&searchIn=uid,name&hideBlockedUsers=1&friendsOnly=1&page=1";
		const res = await h.call("GET", `/v3.0/users?${query}`, { token });
		expect(await readJSON(res)).toEqual({
			data: [
				{ ...ANN_CLIENT, tags: ["Red"] },
				{ uid: "cl-cat", name: "Alice Cat", status: "offline", role: "default", createdAt: T0, tags: ["red"] },
			],
			meta: { pagination: pagination(2, 2, 5, 1) },
		});
	});

	test("deactivated users never appear for a client, whatever it asks", async () => {
		expect((await h.call("DELETE", "/v3/users/cl-dan", { key: h.seed.restApiKey })).status).toBe(200);
		for (const extra of ["", "&withDeactivated=1", "&onlyDeactivated=1", "&uids=cl-dan"]) {
			const res = await h.call("GET", `/v3.0/users?searchKey=cl-d${extra}`, { token });
			expect(await readJSON(res)).toEqual({ data: [], meta: { pagination: pagination(0, 0, 100, 1) } });
		}
		await expectError(
			await h.call("GET", "/v3.0/users/cl-dan", { token }),
			404,
			"ERR_UID_NOT_FOUND",
			"The UID cl-dan does not exist, please make sure you have created a user with UID cl-dan.",
		);
	});

	test("a client's page is at most 100", async () => {
		await expectError(
			await h.call("GET", "/v3.0/users?per_page=101", { token }),
			400,
			"ERR_BAD_REQUEST",
			"Failed to validate the data sent with the request.",
			{ perPage: ["The perPage must be an integer between 1 and 100."] },
		);
	});

	test("an app that allows metadata shows it without its @private part; the cached app follows at once", async () => {
		await h.call("GET", "/v3.0/users/cl-ann", { token });
		await setClientUserFields(h.deps, h.seed.app.id, { clientUserFields: [...DEFAULT_CLIENT_USER_FIELDS, "metadata"] });
		const ann = await h.call("GET", "/v3.0/users/cl-ann", { token });
		expect(await readJSON(ann)).toEqual({ data: { ...ANN_CLIENT, metadata: { team: "red" } } });
		const bob = await h.call("GET", "/v3.0/users/cl-bob", { token });
		expect(await readJSON(bob)).toEqual({
			data: { uid: "cl-bob", name: "Bob", status: "offline", role: "default", createdAt: T0 },
		});
		await setClientUserFields(h.deps, h.seed.app.id, { clientUserFields: ["avatar"] });
		expect(await readJSON(await h.call("GET", "/v3.0/users/cl-ann", { token }))).toEqual({
			data: { uid: "cl-ann", name: "Ann", avatar: "https://a.example/ann.png", status: "offline", role: "admin" },
		});
		await setClientUserFields(h.deps, h.seed.app.id, { clientUserFields: null });
		expect(await readJSON(await h.call("GET", "/v3.0/users/cl-ann", { token }))).toEqual({ data: ANN_CLIENT });
	});

	test("setClientUserFields refuses a field that is not a user field", async () => {
		await expect(
			setClientUserFields(h.deps, h.seed.app.id, { clientUserFields: ["deactivatedAt"] }),
		).rejects.toMatchObject({ code: "ERR_BAD_REQUEST" });
	});
});

describe("GET /users/{uid} with an auth token", () => {
	test("answers the client view (the SDK's getUser sends the uid as typed)", async () => {
		const res = await h.call("GET", "/v3.0/users/CL-ANN", { token });
		expect({ status: res.status, body: await readJSON(res) }).toEqual({ status: 200, body: { data: ANN_CLIENT } });
	});
});

describe("credentials of the user reads", () => {
	const paths = ["/v3.0/users", "/v3.0/users/cl-ann", "/v3/users", "/v3/users/cl-ann"];

	test.each(paths)("%s without apikey or authtoken is AUTH_ERR_EMPTY_APIKEY", async (path) => {
		await expectError(await h.call("GET", path), 401, "AUTH_ERR_EMPTY_APIKEY", "The apiKey is missing in the headers.");
	});

	test.each(paths)("%s refuses a token of another app", async (path) => {
		const other = await createOtherApp(h);
		const foreign = (await createAuthToken(h.deps, other.app.id, "superhero1", {})).plaintext;
		await expectError(
			await h.call("GET", path, { token: foreign }),
			401,
			"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			TOKEN_NOT_FOUND,
		);
	});

	test.each(paths)("%s refuses a revoked token", async (path) => {
		const revoked = await mintToken(h, "cl-ann");
		const del = await h.call("DELETE", `/v3/users/cl-ann/auth_tokens/${revoked.id}`, { key: h.seed.restApiKey });
		expect(del.status).toBe(200);
		await expectError(
			await h.call("GET", path, { token: revoked.authToken }),
			401,
			"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			TOKEN_NOT_FOUND,
		);
	});

	test.each(paths)("%s refuses the token of a deactivated user", async (path) => {
		expect((await h.call("DELETE", "/v3/users/cl-bob", { key: h.seed.restApiKey })).status).toBe(200);
		await expectError(await h.call("GET", path, { token }), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", TOKEN_NOT_FOUND);
	});

	test("a token with a wrong secret is refused even though its id exists", async () => {
		const forged = `${token.split(".")[0]}.${"A".repeat(43)}`;
		await expectError(
			await h.call("GET", "/v3.0/users", { token: forged }),
			401,
			"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			TOKEN_NOT_FOUND,
		);
	});

	test("an Auth Key (authOnly) still cannot read users, even beside a valid token (the key decides)", async () => {
		const keyId = h.seed.authKey.split(".")[0];
		const message = `The key ${keyId}.******** cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`;
		for (const path of ["/v3/users", "/v3/users/cl-ann"]) {
			await expectError(await h.call("GET", path, { key: h.seed.authKey }), 403, "AUTH_ERR_NO_ACCESS", message);
			await expectError(await h.call("GET", path, { key: h.seed.authKey, token }), 403, "AUTH_ERR_NO_ACCESS", message);
		}
	});

	test("a wrong token counts as a failure of the address: over budget the answer is 429", async () => {
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(Date.UTC(2026, 11, 7, 9, 0, 0));
		await h.close();
		h = await createHarness({ rateLimits: new RateLimits({ ipFailuresPerMinute: 1 }) });
		const address = "198.51.100.7";
		await expectError(
			await h.call("GET", "/v3.0/users", { token: "lkat_x.y", address }),
			401,
			"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			TOKEN_NOT_FOUND,
		);
		const res = await h.call("GET", "/v3.0/users/superhero1", { token: "lkat_x.y", address });
		expect({ status: res.status, body: await readJSON(res), retryAfter: res.headers.get("retry-after") }).toEqual({
			status: 429,
			body: errorBody("ERR_TOO_MANY_REQUESTS", "Too many requests. Try again in 60 seconds.", {
				scope: "address",
				retryAfterSeconds: 60,
			}),
			retryAfter: "60",
		});
	});
});

describe("presence in user reads", () => {
	async function markOnline(uid: string, nodeId = "node-1"): Promise<void> {
		await h.store.beatPresenceNode(nodeId, h.clock.now());
		await h.store.insertPresence(h.seed.app.id, uid, nodeId, h.clock.now());
	}

	test("status is online while a live node holds the user; the status filter uses it (SDK: available / offline)", async () => {
		await markOnline("cl-cat");
		const all = await h.call("GET", "/v3.0/users?searchKey=cl-&per_page=30&page=1", { token });
		expect(
			((await readJSON(all)) as { data: Array<{ uid: string; status: string }> }).data.map((u) => [u.uid, u.status]),
		).toEqual([
			["cl-ann", "offline"],
			["cl-bob", "offline"],
			["cl-cat", "online"],
			["cl-dan", "offline"],
		]);
		const online = await h.call("GET", "/v3.0/users?per_page=30&status=available&page=1", { token });
		expect(await readJSON(online)).toEqual({
			data: [{ uid: "cl-cat", name: "Alice Cat", status: "online", role: "default", createdAt: T0 }],
			meta: { pagination: pagination(1, 1, 30, 1) },
		});
		const offline = await h.call("GET", "/v3.0/users?searchKey=cl-&per_page=30&status=offline&page=1", { token });
		expect(((await readJSON(offline)) as { data: Array<{ uid: string }> }).data.map((u) => u.uid)).toEqual([
			"cl-ann",
			"cl-bob",
			"cl-dan",
		]);
		const one = await h.call("GET", "/v3/users/cl-cat", { key: h.seed.restApiKey });
		expect(((await readJSON(one)) as { data: { status: string } }).data.status).toBe("online");
	});

	test("a node whose heartbeat is older than the bound no longer makes anyone online", async () => {
		await markOnline("cl-cat");
		h.clock.advance(PRESENCE_STALE_AFTER_MS);
		const still = await h.call("GET", "/v3.0/users/cl-cat", { token });
		expect(((await readJSON(still)) as { data: { status: string } }).data.status).toBe("online");
		h.clock.advance(1);
		const gone = await h.call("GET", "/v3.0/users/cl-cat", { token });
		expect(((await readJSON(gone)) as { data: { status: string } }).data.status).toBe("offline");
		const online = await h.call("GET", "/v3.0/users?status=available", { token });
		expect(await readJSON(online)).toEqual({ data: [], meta: { pagination: pagination(0, 0, 100, 1) } });
	});
});
