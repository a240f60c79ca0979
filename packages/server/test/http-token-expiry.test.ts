import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";
import { expectError, expectResponse, mintToken } from "./helpers.ts";

// Issue 15: idle and absolute token expiry, exactly at the boundary, with the clock injected.
const NOT_FOUND =
	"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.";
const SECOND = 1000;

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

async function setSecurity(body: Record<string, unknown>): Promise<void> {
	expect((await h.call("PUT", "/v3/security", { key: h.seed.restApiKey, body })).status).toBe(200);
}

const me = (token: string) => h.call("GET", "/v3.0/me", { token });

async function expectExpired(token: string): Promise<void> {
	await expectError(await me(token), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", NOT_FOUND, { reason: "expired" });
}

describe("idle timeout", () => {
	test("a token unused for tokenIdleTimeoutSeconds is refused at the boundary, not a second before", async () => {
		await setSecurity({ tokenIdleTimeoutSeconds: 3600 });
		const token = await mintToken(h, "superhero1");
		h.clock.advance(3599 * SECOND);
		expect((await me(token.authToken)).status).toBe(200);
		// That use starts the hour again.
		h.clock.advance(3599 * SECOND);
		expect((await me(token.authToken)).status).toBe(200);
		h.clock.advance(3600 * SECOND);
		await expectExpired(token.authToken);
		expect(h.eventsOf("token.revoked")).toEqual([
			{ type: "token.revoked", appId: h.seed.app.id, tokenIds: [token.id], reason: "expired" },
		]);
		// Ended for good: now it is simply unknown.
		await expectError(await me(token.authToken), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", NOT_FOUND);
		await expectResponse(
			await h.call("GET", `/v3/users/superhero1/auth_tokens/${token.id}`, { key: h.seed.restApiKey }),
			404,
			{
				error: {
					code: "ERR_AUTH_TOKEN_NOT_FOUND",
					message: "The auth token does not exist for the UID superhero1.",
					devMessage: "The auth token does not exist for the UID superhero1.",
					source: "chat-api",
					details: {},
				},
			},
		);
	});

	test("a use another node recorded keeps the token alive here", async () => {
		await setSecurity({ tokenIdleTimeoutSeconds: 3600 });
		const token = await mintToken(h, "superhero1");
		expect((await me(token.authToken)).status).toBe(200);
		// Written by another node: straight into the store, no event (uses are not announced).
		await h.store.touchAuthToken(token.id, h.clock.now() + 3000 * SECOND);
		h.clock.advance(3600 * SECOND);
		expect((await me(token.authToken)).status).toBe(200);
		h.clock.advance(3600 * SECOND);
		await expectExpired(token.authToken);
	});
});

describe("maximum lifetime", () => {
	test("a token older than tokenMaxLifetimeSeconds is refused at the boundary, however much it is used", async () => {
		await setSecurity({ tokenMaxLifetimeSeconds: 7200 });
		const token = await mintToken(h, "superhero1");
		for (let use = 0; use < 4; use++) {
			expect((await me(token.authToken)).status).toBe(200);
			h.clock.advance(1800 * SECOND);
		}
		h.clock.advance(-SECOND);
		expect((await me(token.authToken)).status).toBe(200);
		h.clock.advance(SECOND);
		await expectExpired(token.authToken);
	});

	test("lowering a timeout applies at once to existing tokens; the other app's tokens keep working", async () => {
		const token = await mintToken(h, "superhero1");
		const other = await mintToken(h, "superhero2");
		h.clock.advance(2 * 3600 * SECOND);
		expect((await me(token.authToken)).status).toBe(200);
		await setSecurity({ tokenMaxLifetimeSeconds: 3600 });
		await expectExpired(token.authToken);
		await expectExpired(other.authToken);
		await setSecurity({ tokenMaxLifetimeSeconds: null });
		const fresh = await mintToken(h, "superhero1");
		h.clock.advance(10 * 365 * 24 * 3600 * SECOND);
		expect((await me(fresh.authToken)).status).toBe(200);
	});
});

test("by default tokens never expire (CometChat's behaviour)", async () => {
	const token = await mintToken(h, "superhero1");
	h.clock.advance(20 * 365 * 24 * 3600 * SECOND);
	expect((await me(token.authToken)).status).toBe(200);
	expect(h.eventsOf("token.revoked")).toEqual([]);
});
