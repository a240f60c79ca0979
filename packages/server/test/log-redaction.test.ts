import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { redactSecrets } from "../src/domain/secrets.ts";
import { redactPath } from "../src/http/middleware/access-log.ts";
import { createLogger } from "../src/logger.ts";
import type { Store } from "../src/store/store.ts";
import { createWebApp } from "../src/web-app.ts";
import { createHarness, type Harness } from "./harness.ts";
import { mintToken } from "./helpers.ts";

// Issue 12, item 7: no credential reaches a log line, whatever road it takes.
const SECRET_SHAPE = /lk(at|ak|st|os)_[0-9a-f]+\.[A-Za-z0-9_-]+/i;

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

describe("redactSecrets()", () => {
	test("keeps the id and drops the secret of every credential kind, in any case", () => {
		expect(redactSecrets("a lkat_00ff.AbC-_9 b LKAK_00FF.xyz c lkSt_1.q d lkos_2.r")).toBe(
			"a lkat_00ff.[redacted] b LKAK_00FF.[redacted] c lkSt_1.[redacted] d lkos_2.[redacted]",
		);
	});

	test("redactPath() redacts a token in an upper-case /AUTH_TOKENS/ segment", () => {
		expect(redactPath("/v3/users/x/AUTH_TOKENS/not-even-token-shaped")).toBe("/v3/users/x/AUTH_TOKENS/[redacted]");
	});
});

describe("a whole in-process flow through the server's logger", () => {
	test("leaves no secret-shaped string in any log line, upper-case paths and error logs included", async () => {
		const lines: string[] = [];
		const logger = createLogger("debug", { write: (line: string) => void lines.push(line) });
		const app = createWebApp({ ...h.deps, logger });
		const call = async (method: string, path: string, headers: Record<string, string>): Promise<number> =>
			(await app.request(path, { method, headers: { appid: h.seed.app.id, ...headers } })).status;
		const key = { apikey: h.seed.restApiKey };

		const token = (await mintToken(h, "superhero1")).authToken;
		expect(await call("GET", "/v3.0/me", { authtoken: token })).toBe(200);
		expect(await call("GET", `/v3/users/superhero1/AUTH_TOKENS/${token}`, key)).toBeLessThan(500);
		expect(await call("GET", `/v3/users/superhero1/Auth_Tokens/${token.toUpperCase()}`, key)).toBeLessThan(500);
		expect(await call("GET", `/v3/APIKEYS/${h.seed.authKey}`, key)).toBeLessThan(500);
		expect(await call("GET", `/v3/nothing/${token}`, key)).toBe(404);
		expect(await call("GET", `/dashboard/nothing/${token}`, {})).toBeLessThan(500);
		// A key sent without its prefix: refused without echoing any of it.
		const bare = h.seed.restApiKey.slice("lkak_".length);
		const refused = await app.request("/v3/users", { headers: { appid: h.seed.app.id, apikey: bare } });
		expect(refused.status).toBe(401);
		expect(await refused.text()).not.toContain(bare.slice(0, 5));
		expect(await call("DELETE", `/v3/users/superhero1/AUTH_TOKENS/${token}`, key)).toBeLessThan(500);

		// An unexpected error whose message carries a credential is logged, redacted.
		const failing: Store = Object.create(h.deps.store) as Store;
		failing.getUser = async () => {
			throw new Error(`driver failed near ${h.seed.restApiKey} and ${token.toUpperCase()}`);
		};
		const failingApp = createWebApp({ ...h.deps, store: failing, logger });
		const res = await failingApp.request("/v3/users/superhero1", { headers: { appid: h.seed.app.id, ...key } });
		expect(res.status).toBe(500);

		expect(lines.length).toBeGreaterThan(8);
		expect(lines.some((line) => line.includes("unhandled error") && line.includes("[redacted]"))).toBe(true);
		for (const line of lines) expect(line).not.toMatch(SECRET_SHAPE);
	});
});
