import { expect, test } from "vitest";
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
