import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { type RateLimitOptions, RateLimits } from "../src/web/rate-limits.ts";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, errorBody, expectError, mintToken, readJSON } from "./helpers.ts";

// Windows are fixed, 60 s long, and start at a client's first count: the clock starts on a whole minute.
const T0_MS = Date.UTC(2026, 11, 7, 9, 0, 0);
const RESET = String(T0_MS / 1000 + 60);

let h: Harness | undefined;
beforeEach(() => {
	// rate-limiter-flexible reads Date.now(); only the date is faked, timers and promises run as usual.
	vi.useFakeTimers({ toFake: ["Date"] });
	vi.setSystemTime(T0_MS);
});
afterEach(async () => {
	vi.useRealTimers();
	await h?.close();
	h = undefined;
});

async function harnessWith(options: RateLimitOptions, trustProxy?: boolean): Promise<Harness> {
	h = await createHarness({ rateLimits: new RateLimits(options), ...(trustProxy !== undefined && { trustProxy }) });
	return h;
}

function rateHeaders(res: Response): Record<string, string | null> {
	return {
		limit: res.headers.get("x-rate-limit"),
		remaining: res.headers.get("x-rate-limit-remaining"),
		reset: res.headers.get("x-rate-limit-reset"),
		retryAfter: res.headers.get("retry-after"),
	};
}

/** The whole 429: status, CometChat envelope and the four headers. */
async function expectTooMany(res: Response, scope: string, limit: number, retryAfterSeconds = 60): Promise<void> {
	expect(rateHeaders(res)).toEqual({
		limit: String(limit),
		remaining: "0",
		reset: RESET,
		retryAfter: String(retryAfterSeconds),
	});
	await expectError(
		res,
		429,
		"ERR_TOO_MANY_REQUESTS",
		`Too many requests. Try again in ${retryAfterSeconds} seconds.`,
		{ scope, retryAfterSeconds },
	);
}

const WRONG_KEY = "The key ******** does not exist. Please use correct apiKey.";

describe("per-app budgets", () => {
	test("every answer reports the app's budget; over it a request is 429 until the window ends", async () => {
		const harness = await harnessWith({ appStandardPerMinute: 2 });
		const key = harness.seed.restApiKey;
		const first = await harness.call("GET", "/v3/users", { key });
		expect({ status: first.status, ...rateHeaders(first) }).toEqual({
			status: 200,
			limit: "2",
			remaining: "1",
			reset: RESET,
			retryAfter: null,
		});
		const second = await harness.call("GET", "/v3.0/users/superhero1", { key });
		expect({ status: second.status, remaining: second.headers.get("x-rate-limit-remaining") }).toEqual({
			status: 200,
			remaining: "0",
		});
		vi.setSystemTime(T0_MS + 15_000);
		await expectTooMany(await harness.call("GET", "/v3/users", { key }), "app", 2, 45);
		// Core operations have their own budget: a login still goes through.
		const login = await harness.call("POST", "/v3/users/superhero1/auth_tokens", { key: harness.seed.authKey });
		expect({ status: login.status, limit: login.headers.get("x-rate-limit") }).toEqual({
			status: 200,
			limit: "600000",
		});
		// Another app has its own budget.
		const other = await createOtherApp(harness);
		const res = await harness.app.request("/v3/users", { headers: { appid: other.app.id, apikey: other.restApiKey } });
		expect(res.status).toBe(200);
		// The next window starts with a whole budget.
		vi.setSystemTime(T0_MS + 60_000);
		const again = await harness.call("GET", "/v3/users", { key });
		expect({ status: again.status, remaining: again.headers.get("x-rate-limit-remaining") }).toEqual({
			status: 200,
			remaining: "1",
		});
	});

	test("a browser may read the rate-limit headers (CORS exposes them)", async () => {
		const harness = await harnessWith({ appStandardPerMinute: 1 });
		await harness.call("GET", "/v3/users", { key: harness.seed.restApiKey });
		const refused = await harness.call("GET", "/v3/users", { key: harness.seed.restApiKey });
		expect(refused.status).toBe(429);
		expect(refused.headers.get("access-control-expose-headers")).toBe(
			"retry-after,x-rate-limit,x-rate-limit-remaining,x-rate-limit-reset,x-request-id",
		);
	});

	test("logins, user creations and deletions count as core operations", async () => {
		const harness = await harnessWith({ appCorePerMinute: 3 });
		const key = harness.seed.restApiKey;
		expect((await harness.call("POST", "/v3/users", { key, body: { uid: "c1", name: "C1" } })).status).toBe(200);
		expect((await harness.call("DELETE", "/v3/users/c1", { key })).status).toBe(200);
		const token = await mintToken(harness, "superhero1");
		await expectTooMany(await harness.call("PUT", "/v3.0/me", { token: token.authToken, body: {} }), "app", 3);
		// Reading is standard: untouched by the core budget.
		expect((await harness.call("GET", "/v3.0/me", { token: token.authToken })).status).toBe(200);
	});

	test("a fullAccess key is exempt from login throttles, not from its app's budget", async () => {
		const harness = await harnessWith({ appCorePerMinute: 1 });
		const key = harness.seed.restApiKey;
		expect((await harness.call("POST", "/v3/users/superhero1/auth_tokens", { key })).status).toBe(200);
		await expectTooMany(await harness.call("POST", "/v3/users/superhero1/auth_tokens", { key }), "app", 1);
	});
});

describe("per-key budgets", () => {
	test("one API key's requests count against that key only", async () => {
		const harness = await harnessWith({ apiKeyPerMinute: 1 });
		expect((await harness.call("GET", "/v3/users", { key: harness.seed.restApiKey })).status).toBe(200);
		await expectTooMany(await harness.call("GET", "/v3/users", { key: harness.seed.restApiKey }), "apiKey", 1);
		expect(
			(await harness.call("POST", "/v3/users", { key: harness.seed.authKey, body: { uid: "k1", name: "K1" } })).status,
		).toBe(200);
	});

	test("an Auth Key mints at most authKeyLoginsPerMinute logins; the app's backend is exempt", async () => {
		const harness = await harnessWith({ authKeyLoginsPerMinute: 2 });
		await mintToken(harness, "superhero1");
		await mintToken(harness, "superhero2");
		await expectTooMany(
			await harness.call("POST", "/v3/users/superhero3/auth_tokens", { key: harness.seed.authKey }),
			"authKey",
			2,
		);
		const res = await harness.call("POST", "/v3/users/superhero3/auth_tokens", { key: harness.seed.restApiKey });
		expect(res.status).toBe(200);
	});
});

describe("failures per address", () => {
	test("after ipFailuresPerMinute wrong keys, the address's failures and logins are 429; other addresses are not", async () => {
		const harness = await harnessWith({ ipFailuresPerMinute: 3 });
		const attacker = "203.0.113.7";
		for (let i = 0; i < 3; i++) {
			await expectError(
				await harness.call("GET", "/v3/users", { key: `wrong-${i}`, address: attacker }),
				401,
				"AUTH_ERR_APIKEY_NOT_FOUND",
				WRONG_KEY,
			);
		}
		await expectTooMany(await harness.call("GET", "/v3/users", { key: "wrong", address: attacker }), "address", 3);
		await expectTooMany(await harness.call("GET", "/v3.0/me", { token: "lkat_x.y", address: attacker }), "address", 3);
		await expectTooMany(
			await harness.call("POST", "/v3/users/superhero1/auth_tokens", { key: harness.seed.authKey, address: attacker }),
			"address",
			3,
		);
		// The right key still works from there: only failures and logins are refused.
		expect((await harness.call("GET", "/v3/users", { key: harness.seed.restApiKey, address: attacker })).status).toBe(
			200,
		);
		const neighbour = await harness.call("POST", "/v3/users/superhero1/auth_tokens", {
			key: harness.seed.authKey,
			address: "203.0.113.8",
		});
		expect(neighbour.status).toBe(200);
		await expectError(
			await harness.call("GET", "/v3/users", { key: "wrong", address: "203.0.113.8" }),
			401,
			"AUTH_ERR_APIKEY_NOT_FOUND",
			WRONG_KEY,
		);
		vi.setSystemTime(T0_MS + 60_000);
		expect(
			(
				await harness.call("POST", "/v3/users/superhero1/auth_tokens", {
					key: harness.seed.authKey,
					address: attacker,
				})
			).status,
		).toBe(200);
	});

	test("wrong tokens count as failures too", async () => {
		const harness = await harnessWith({ ipFailuresPerMinute: 1 });
		const address = "198.51.100.1";
		expect((await harness.call("GET", "/v3.0/me", { token: "lkat_x.y", address })).status).toBe(401);
		await expectTooMany(await harness.call("PUT", "/v3.0/me", { token: "lkat_x.y", address, body: {} }), "address", 1);
	});

	test("X-Forwarded-For names the address only when LATCHKEY_TRUST_PROXY says so", async () => {
		const direct = await harnessWith({ ipFailuresPerMinute: 2 }, false);
		// Without a trusted proxy a client cannot spread its failures over made-up addresses.
		for (const forwarded of ["1.1.1.1", "2.2.2.2"]) {
			const res = await direct.call("GET", "/v3/users", {
				key: "wrong",
				address: "10.0.0.1",
				headers: { "x-forwarded-for": forwarded },
			});
			expect(res.status).toBe(401);
		}
		const third = await direct.call("GET", "/v3/users", {
			key: "wrong",
			address: "10.0.0.1",
			headers: { "x-forwarded-for": "3.3.3.3" },
		});
		await expectTooMany(third, "address", 2);
		await direct.close();

		// Behind a trusted proxy every request arrives from the proxy; its last X-Forwarded-For entry is the client.
		const proxied = await harnessWith({ ipFailuresPerMinute: 2 }, true);
		const fromClient = (client: string) =>
			proxied.call("GET", "/v3/users", {
				key: "wrong",
				address: "10.0.0.1",
				headers: { "x-forwarded-for": `6.6.6.6, ${client}` },
			});
		expect((await fromClient("1.1.1.1")).status).toBe(401);
		expect((await fromClient("1.1.1.1")).status).toBe(401);
		await expectTooMany(await fromClient("1.1.1.1"), "address", 2);
		expect((await fromClient("2.2.2.2")).status).toBe(401);
	});
});

describe("logins per user", () => {
	test("a failed login costs failurePoints, a login 1; a user over budget is 429 on every login path", async () => {
		const harness = await harnessWith({ uidLoginPointsPerMinute: 12, failurePoints: 10, ipFailuresPerMinute: 0 });
		const ghost = "The UID ghost does not exist, please make sure you have created a user with UID ghost.";
		const mint = (uid: string) =>
			harness.call("POST", `/v3/users/${uid}/auth_tokens`, { key: harness.seed.authKey, address: "192.0.2.1" });
		// Two failures (20 points) put an unknown uid over its budget of 12.
		await expectError(await mint("ghost"), 404, "ERR_UID_NOT_FOUND", ghost);
		await expectError(await mint("ghost"), 404, "ERR_UID_NOT_FOUND", ghost);
		await expectTooMany(await mint("ghost"), "user", 12);
		await expectTooMany(await mint("GHOST"), "user", 12);
		// A real user takes twelve logins to get there, from any address.
		let token = "";
		for (let i = 0; i < 12; i++) {
			const res = await mint("superhero1");
			expect(res.status).toBe(200);
			token = ((await readJSON(res)) as { data: { authToken: string } }).data.authToken;
		}
		await expectTooMany(await mint("superhero1"), "user", 12);
		await expectTooMany(await harness.call("PUT", "/v3.0/me", { token, body: {}, address: "192.0.2.99" }), "user", 12);
		// Using the session is not a login: it goes on.
		expect((await harness.call("GET", "/v3.0/me", { token })).status).toBe(200);
		// The app's backend still logs the user in.
		expect(
			(await harness.call("POST", "/v3/users/superhero1/auth_tokens", { key: harness.seed.restApiKey })).status,
		).toBe(200);
		expect((await mint("superhero2")).status).toBe(200);
	});

	test("PUT /me logins count against their user", async () => {
		const harness = await harnessWith({ uidLoginPointsPerMinute: 3 });
		const { authToken } = await mintToken(harness, "superhero1");
		expect((await harness.call("PUT", "/v3.0/me", { token: authToken, body: {} })).status).toBe(200);
		expect((await harness.call("PUT", "/v3.0/me", { token: authToken, body: {} })).status).toBe(200);
		const res = await harness.call("PUT", "/v3.0/me", { token: authToken, body: {} });
		expect(res.status).toBe(429);
		expect(await readJSON(res)).toEqual(
			errorBody("ERR_TOO_MANY_REQUESTS", "Too many requests. Try again in 60 seconds.", {
				scope: "user",
				retryAfterSeconds: 60,
			}),
		);
	});
});

test("limits set to 0 are off: no headers, no refusals", async () => {
	const harness = await harnessWith({
		appCorePerMinute: 0,
		appStandardPerMinute: 0,
		apiKeyPerMinute: 0,
		authKeyLoginsPerMinute: 0,
		uidLoginPointsPerMinute: 0,
		ipFailuresPerMinute: 0,
	});
	for (let i = 0; i < 5; i++) {
		const res = await harness.call("GET", "/v3/users", { key: "wrong" });
		expect({ status: res.status, ...rateHeaders(res) }).toEqual({
			status: 401,
			limit: null,
			remaining: null,
			reset: null,
			retryAfter: null,
		});
	}
});
