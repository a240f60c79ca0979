import { describe, expect, test } from "vitest";
import { ConfigError, readConfig } from "./config.ts";

test("readConfig() leaves the cache sizes to their defaults unless they are set", () => {
	expect(readConfig({}, "/tmp").cache).toEqual({});
	expect(
		readConfig(
			{
				LATCHKEY_SESSION_CACHE_SIZE: "50000",
				LATCHKEY_API_KEY_CACHE_SIZE: "10",
				LATCHKEY_APP_CACHE_SIZE: "1",
				LATCHKEY_WRITE_BEHIND_INTERVAL_MS: "250",
			},
			"/tmp",
		).cache,
	).toEqual({ sessionCacheSize: 50_000, apiKeyCacheSize: 10, appCacheSize: 1, writeBehindIntervalMs: 250 });
});

test("readConfig() refuses a cache size that is not a whole number in range, naming the variable", () => {
	expect(() => readConfig({ LATCHKEY_SESSION_CACHE_SIZE: "0" }, "/tmp")).toThrow(
		new ConfigError("LATCHKEY_SESSION_CACHE_SIZE must be between 1 and 10000000, got 0"),
	);
	expect(() => readConfig({ LATCHKEY_API_KEY_CACHE_SIZE: "lots" }, "/tmp")).toThrow(
		new ConfigError('LATCHKEY_API_KEY_CACHE_SIZE must be a whole number, got "lots"'),
	);
	expect(() => readConfig({ LATCHKEY_WRITE_BEHIND_INTERVAL_MS: "5" }, "/tmp")).toThrow(
		new ConfigError("LATCHKEY_WRITE_BEHIND_INTERVAL_MS must be between 10 and 3600000, got 5"),
	);
});

test("readConfig() gives connection caps and timeouts their defaults and reads each from its variable", () => {
	expect(readConfig({}, "/tmp").connections).toEqual({
		headersTimeoutMs: 10_000,
		requestTimeoutMs: 30_000,
		keepAliveTimeoutMs: 5_000,
		maxUnauthenticatedSocketsPerIP: 1_000,
		maxUnauthenticatedSockets: 10_000,
		maxSockets: 100_000,
		maxSocketsPerUser: 100,
	});
	expect(
		readConfig(
			{
				LATCHKEY_HEADERS_TIMEOUT_MS: "200",
				LATCHKEY_REQUEST_TIMEOUT_MS: "300",
				LATCHKEY_KEEP_ALIVE_TIMEOUT_MS: "400",
				LATCHKEY_WS_MAX_UNAUTHENTICATED_PER_IP: "2",
				LATCHKEY_WS_MAX_UNAUTHENTICATED: "3",
				LATCHKEY_WS_MAX_SOCKETS: "4",
				LATCHKEY_WS_MAX_SOCKETS_PER_USER: "5",
			},
			"/tmp",
		).connections,
	).toEqual({
		headersTimeoutMs: 200,
		requestTimeoutMs: 300,
		keepAliveTimeoutMs: 400,
		maxUnauthenticatedSocketsPerIP: 2,
		maxUnauthenticatedSockets: 3,
		maxSockets: 4,
		maxSocketsPerUser: 5,
	});
});

test("readConfig() refuses a bad connection cap or timeout, naming the variable", () => {
	expect(() => readConfig({ LATCHKEY_WS_MAX_SOCKETS_PER_USER: "0" }, "/tmp")).toThrow(
		new ConfigError("LATCHKEY_WS_MAX_SOCKETS_PER_USER must be between 1 and 10000000, got 0"),
	);
	expect(() => readConfig({ LATCHKEY_HEADERS_TIMEOUT_MS: "soon" }, "/tmp")).toThrow(
		new ConfigError('LATCHKEY_HEADERS_TIMEOUT_MS must be a whole number, got "soon"'),
	);
	expect(() => readConfig({ LATCHKEY_HEADERS_TIMEOUT_MS: "60000" }, "/tmp")).toThrow(
		new ConfigError("LATCHKEY_HEADERS_TIMEOUT_MS must not be larger than LATCHKEY_REQUEST_TIMEOUT_MS"),
	);
});

test("readConfig() trusts X-Forwarded-For only when LATCHKEY_TRUST_PROXY says so", () => {
	expect(readConfig({}, "/tmp").trustProxy).toBe(false);
	expect(readConfig({ LATCHKEY_TRUST_PROXY: "true" }, "/tmp").trustProxy).toBe(true);
	expect(readConfig({ LATCHKEY_TRUST_PROXY: "0" }, "/tmp").trustProxy).toBe(false);
	expect(() => readConfig({ LATCHKEY_TRUST_PROXY: "yes" }, "/tmp")).toThrow(
		new ConfigError('LATCHKEY_TRUST_PROXY must be true or false, got "yes"'),
	);
});

test("readConfig() leaves the per-app quotas to their defaults unless set, and refuses one out of range", () => {
	expect(readConfig({}, "/tmp").quotas).toEqual({});
	expect(
		readConfig({ LATCHKEY_MAX_USERS_PER_APP: "5000", LATCHKEY_MAX_AUTH_TOKENS_PER_APP: "20000" }, "/tmp").quotas,
	).toEqual({ maxUsersPerApp: 5000, maxAuthTokensPerApp: 20000 });
	expect(() => readConfig({ LATCHKEY_MAX_AUTH_TOKENS_PER_APP: "0" }, "/tmp")).toThrow(
		new ConfigError("LATCHKEY_MAX_AUTH_TOKENS_PER_APP must be between 1 and 1000000000, got 0"),
	);
	expect(() => readConfig({ LATCHKEY_MAX_USERS_PER_APP: "many" }, "/tmp")).toThrow(
		new ConfigError('LATCHKEY_MAX_USERS_PER_APP must be a whole number, got "many"'),
	);
});

test("readConfig() reads every rate limit, 0 turning one off, and refuses a bad one", () => {
	expect(readConfig({}, "/tmp").rateLimits).toEqual({});
	expect(
		readConfig(
			{
				LATCHKEY_RATE_LIMIT_APP_CORE_PER_MINUTE: "10000",
				LATCHKEY_RATE_LIMIT_APP_STANDARD_PER_MINUTE: "20000",
				LATCHKEY_RATE_LIMIT_API_KEY_PER_MINUTE: "0",
				LATCHKEY_RATE_LIMIT_AUTH_KEY_LOGINS_PER_MINUTE: "500",
				LATCHKEY_RATE_LIMIT_UID_LOGIN_POINTS_PER_MINUTE: "60",
				LATCHKEY_RATE_LIMIT_FAILURE_POINTS: "5",
				LATCHKEY_RATE_LIMIT_IP_FAILURES_PER_MINUTE: "100",
			},
			"/tmp",
		).rateLimits,
	).toEqual({
		appCorePerMinute: 10000,
		appStandardPerMinute: 20000,
		apiKeyPerMinute: 0,
		authKeyLoginsPerMinute: 500,
		uidLoginPointsPerMinute: 60,
		failurePoints: 5,
		ipFailuresPerMinute: 100,
	});
	expect(() => readConfig({ LATCHKEY_RATE_LIMIT_FAILURE_POINTS: "0" }, "/tmp")).toThrow(
		new ConfigError("LATCHKEY_RATE_LIMIT_FAILURE_POINTS must be between 1 and 1000000, got 0"),
	);
	expect(() => readConfig({ LATCHKEY_RATE_LIMIT_IP_FAILURES_PER_MINUTE: "-1" }, "/tmp")).toThrow(
		new ConfigError('LATCHKEY_RATE_LIMIT_IP_FAILURES_PER_MINUTE must be a whole number, got "-1"'),
	);
});

test("readConfig() leaves metrics off unless LATCHKEY_METRICS_TOKEN names a token of 16 or more characters", () => {
	expect(readConfig({}, "/tmp").metricsToken).toBeNull();
	expect(readConfig({ LATCHKEY_METRICS_TOKEN: "0123456789abcdef" }, "/tmp").metricsToken).toBe("0123456789abcdef");
	for (const weak of ["short", "0123456789 abcdef", "x".repeat(513)]) {
		expect(() => readConfig({ LATCHKEY_METRICS_TOKEN: weak }, "/tmp")).toThrow(
			new ConfigError(
				"LATCHKEY_METRICS_TOKEN must be 16 to 512 printable characters without spaces (e.g. openssl rand -hex 32)",
			),
		);
	}
});

describe("the Management API's key and secret (issue 13 item 7)", () => {
	const KEY = "mgmt-key-1";
	const SECRET = "0123456789abcdef0123456789abcdef";
	const SECRET_RULE =
		"LATCHKEY_MANAGEMENT_SECRET must be 32 to 512 printable characters without spaces, at least 10 of them different (e.g. openssl rand -hex 32)";

	test("readConfig() leaves the Management API off unless both are set", () => {
		expect(readConfig({}, "/tmp").management).toBeNull();
		expect(readConfig({ LATCHKEY_MANAGEMENT_KEY: "", LATCHKEY_MANAGEMENT_SECRET: "" }, "/tmp").management).toBeNull();
		expect(readConfig({ LATCHKEY_MANAGEMENT_KEY: KEY, LATCHKEY_MANAGEMENT_SECRET: SECRET }, "/tmp").management).toEqual(
			{ key: KEY, secret: SECRET },
		);
	});

	test("readConfig() refuses one without the other", () => {
		const together = new ConfigError("LATCHKEY_MANAGEMENT_KEY and LATCHKEY_MANAGEMENT_SECRET must be set together");
		expect(() => readConfig({ LATCHKEY_MANAGEMENT_KEY: KEY }, "/tmp")).toThrow(together);
		expect(() => readConfig({ LATCHKEY_MANAGEMENT_SECRET: SECRET }, "/tmp")).toThrow(together);
		expect(() => readConfig({ LATCHKEY_MANAGEMENT_KEY: KEY, LATCHKEY_MANAGEMENT_SECRET: "" }, "/tmp")).toThrow(
			together,
		);
	});

	test("readConfig() refuses a weak secret: short, spaced, too long, or few distinct characters", () => {
		for (const weak of [
			"0123456789abcdef0123456789abcde",
			"0123456789abcdef 0123456789abcdef",
			`${"0123456789abcdef".repeat(32)}0`,
			"ab".repeat(32),
			"012345678".repeat(4),
		]) {
			expect(() => readConfig({ LATCHKEY_MANAGEMENT_KEY: KEY, LATCHKEY_MANAGEMENT_SECRET: weak }, "/tmp")).toThrow(
				new ConfigError(SECRET_RULE),
			);
		}
	});

	test("readConfig() refuses a bad key, and a secret that contains the key", () => {
		const keyRule = new ConfigError("LATCHKEY_MANAGEMENT_KEY must be 8 to 256 printable characters without spaces");
		for (const bad of ["short", "has space", "k".repeat(257)]) {
			expect(() => readConfig({ LATCHKEY_MANAGEMENT_KEY: bad, LATCHKEY_MANAGEMENT_SECRET: SECRET }, "/tmp")).toThrow(
				keyRule,
			);
		}
		expect(() =>
			readConfig({ LATCHKEY_MANAGEMENT_KEY: "0123456789", LATCHKEY_MANAGEMENT_SECRET: SECRET }, "/tmp"),
		).toThrow(new ConfigError("LATCHKEY_MANAGEMENT_SECRET must not contain LATCHKEY_MANAGEMENT_KEY"));
	});
});

test("readConfig() reads LATCHKEY_TOKEN_ENCRYPTION_KEY as 32 bytes and refuses anything else", () => {
	expect(readConfig({}, "/tmp").tokenEncryptionKey).toBeNull();
	expect(readConfig({ LATCHKEY_TOKEN_ENCRYPTION_KEY: "ab".repeat(32) }, "/tmp").tokenEncryptionKey).toEqual(
		Buffer.alloc(32, 0xab),
	);
	expect(() => readConfig({ LATCHKEY_TOKEN_ENCRYPTION_KEY: "ab".repeat(16) }, "/tmp")).toThrow(
		new ConfigError(
			"LATCHKEY_TOKEN_ENCRYPTION_KEY must be 32 bytes as 64 hex digits or base64 (e.g. openssl rand -hex 32)",
		),
	);
});
