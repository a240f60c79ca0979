import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, credentialId, expectError, expectResponse, mintToken } from "./helpers.ts";

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

const VALIDATION = "Failed to validate the data sent with the request.";

describe("DELETE /v3/users — bulk deactivate", () => {
	test("deactivates the listed active users, skips unknown and repeated uids, and closes their sockets", async () => {
		const token = await mintToken(h, "superhero1");
		const res = await h.call("DELETE", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uidsToDeactivate: ["SUPERHERO1", "superhero2", "superhero1", "nobody"] },
		});
		await expectResponse(res, 200, { data: { deactivatedUids: ["superhero1", "superhero2"] } });
		expect(h.eventsOf("user.deactivated")).toEqual([
			{ type: "user.deactivated", appId: h.seed.app.id, uid: "superhero1" },
			{ type: "user.deactivated", appId: h.seed.app.id, uid: "superhero2" },
		]);
		await expectError(
			await h.call("GET", "/v3/users/superhero1", { key: h.seed.restApiKey }),
			404,
			"ERR_UID_NOT_FOUND",
			"The UID superhero1 does not exist, please make sure you have created a user with UID superhero1.",
		);
		expect((await h.call("GET", "/v3.0/me", { token: token.authToken })).status).toBe(401);
		// Already deactivated: nothing to do the second time.
		await expectResponse(
			await h.call("DELETE", "/v3/users", { key: h.seed.restApiKey, body: { uidsToDeactivate: ["superhero1"] } }),
			200,
			{ data: { deactivatedUids: [] } },
		);
	});

	test("an empty or missing list, or a forbidden uid, is ERR_BAD_REQUEST with details", async () => {
		await expectError(
			await h.call("DELETE", "/v3/users", { key: h.seed.restApiKey, body: {} }),
			400,
			"ERR_BAD_REQUEST",
			VALIDATION,
			{
				uidsToDeactivate: ["The uidsToDeactivate field is required."],
			},
		);
		await expectError(
			await h.call("DELETE", "/v3/users", { key: h.seed.restApiKey, body: { uidsToDeactivate: ["a b"] } }),
			400,
			"ERR_BAD_REQUEST",
			VALIDATION,
			{ "uidsToDeactivate.0": ["The uid may only contain letters, numbers, dashes and underscores."] },
		);
	});

	test("needs a fullAccess key of this app", async () => {
		await expectError(
			await h.call("DELETE", "/v3/users", { key: h.seed.authKey, body: { uidsToDeactivate: ["superhero1"] } }),
			403,
			"AUTH_ERR_NO_ACCESS",
			`The key ${credentialId(h.seed.authKey)}.******** cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
		);
		const other = await createOtherApp(h);
		const res = await h.call("DELETE", "/v3/users", {
			key: other.restApiKey,
			body: { uidsToDeactivate: ["superhero1"] },
		});
		expect({ status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code }).toEqual({
			status: 401,
			code: "AUTH_ERR_APIKEY_NOT_FOUND",
		});
		expect((await h.call("GET", "/v3/users/superhero1", { key: h.seed.restApiKey })).status).toBe(200);
	});
});

describe("PUT /v3/users — bulk reactivate", () => {
	test("reactivates deactivated users: their uid, profile and kept tokens work again", async () => {
		const token = await mintToken(h, "superhero3");
		await h.call("DELETE", "/v3/users/superhero3", { key: h.seed.restApiKey });
		expect((await h.call("GET", "/v3.0/me", { token: token.authToken })).status).toBe(401);
		const res = await h.call("PUT", "/v3/users", {
			key: h.seed.restApiKey,
			body: { uidsToActivate: ["superhero3", "superhero4", "ghost"] },
		});
		// superhero4 was never deactivated and ghost does not exist: only superhero3 changed.
		await expectResponse(res, 200, { data: { nonDeactivatedUids: ["superhero3"] } });
		expect((await h.call("GET", "/v3/users/superhero3", { key: h.seed.restApiKey })).status).toBe(200);
		expect((await h.call("GET", "/v3.0/me", { token: token.authToken })).status).toBe(200);
	});

	test("a permanently deleted user cannot be reactivated", async () => {
		await h.call("DELETE", "/v3/users/superhero5", { key: h.seed.restApiKey, body: { permanent: true } });
		await expectResponse(
			await h.call("PUT", "/v3/users", { key: h.seed.restApiKey, body: { uidsToActivate: ["superhero5"] } }),
			200,
			{ data: { nonDeactivatedUids: [] } },
		);
	});

	test("an Auth Key may not reactivate; a bad body is ERR_BAD_REQUEST", async () => {
		const res = await h.call("PUT", "/v3/users", { key: h.seed.authKey, body: { uidsToActivate: ["superhero1"] } });
		expect(res.status).toBe(403);
		await expectError(
			await h.call("PUT", "/v3/users", { key: h.seed.restApiKey, body: { uidsToActivate: "superhero1" } }),
			400,
			"ERR_BAD_REQUEST",
			VALIDATION,
			{ uidsToActivate: ["The uidsToActivate must be an array."] },
		);
	});
});
