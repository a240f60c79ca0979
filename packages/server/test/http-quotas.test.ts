import { afterEach, describe, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";
import { createUserOverHTTP, expectError, mintToken } from "./helpers.ts";

let h: Harness | undefined;
afterEach(async () => {
	await h?.close();
	h = undefined;
});

async function countUsers(harness: Harness): Promise<number> {
	const res = await harness.call("GET", "/v3/users?withDeactivated=true", { key: harness.seed.restApiKey });
	const body = (await res.json()) as { meta: { pagination: { total: number } } };
	return body.meta.pagination.total;
}

describe("per-app quotas", () => {
	test("creating a user beyond LATCHKEY_MAX_USERS_PER_APP is 403 ERR_PLAN_QUOTA_RESTRICTION", async () => {
		const harness = await createHarness();
		const seeded = await countUsers(harness);
		await harness.close();
		h = await createHarness({ quotas: { maxUsersPerApp: seeded + 2 } });
		await createUserOverHTTP(h, { uid: "q1", name: "Q1" });
		await createUserOverHTTP(h, { uid: "q2", name: "Q2" });
		await expectError(
			await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "q3", name: "Q3" } }),
			403,
			"ERR_PLAN_QUOTA_RESTRICTION",
			`The allowed limit of ${seeded + 2} users for this app has been reached.`,
		);
		expect((await h.call("GET", "/v3/users/q3", { key: h.seed.restApiKey })).status).toBe(404);
		// A permanent delete frees a place, seen once the refusal is no longer remembered (1 s).
		await h.call("DELETE", "/v3/users/q2", { key: h.seed.restApiKey, body: { permanent: true } });
		h.clock.advance(1000);
		await createUserOverHTTP(h, { uid: "q3", name: "Q3" });
	});

	test("minting a token beyond LATCHKEY_MAX_AUTH_TOKENS_PER_APP is 403 ERR_PLAN_QUOTA_RESTRICTION, on every mint route", async () => {
		h = await createHarness({ quotas: { maxAuthTokensPerApp: 3 } });
		const first = await mintToken(h, "superhero1");
		await mintToken(h, "superhero2");
		await mintToken(h, "superhero3");
		const refused = "The allowed limit of 3 auth tokens for this app has been reached.";
		await expectError(
			await h.call("POST", "/v3/users/superhero4/auth_tokens", { key: h.seed.restApiKey }),
			403,
			"ERR_PLAN_QUOTA_RESTRICTION",
			refused,
		);
		await expectError(
			await h.call("POST", "/v3/users", {
				key: h.seed.restApiKey,
				body: { uid: "withtoken", name: "W", withAuthToken: true },
			}),
			403,
			"ERR_PLAN_QUOTA_RESTRICTION",
			refused,
		);
		// The user is created, its token refused: the quota is checked where the token is minted.
		expect(h.eventsOf("token.created")).toHaveLength(3);
		// A revocation frees a place, seen once the refusal is no longer remembered (1 s).
		await h.call("DELETE", `/v3/users/superhero1/auth_tokens/${first.id}`, { key: h.seed.restApiKey });
		expect((await h.call("POST", "/v3/users/superhero4/auth_tokens", { key: h.seed.restApiKey })).status).toBe(403);
		h.clock.advance(1000);
		expect((await h.call("POST", "/v3/users/superhero4/auth_tokens", { key: h.seed.restApiKey })).status).toBe(200);
	});
});
