import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createLogger } from "../src/logger.ts";
import type { Store } from "../src/store/store.ts";
import { createWebApp } from "../src/web-app.ts";
import { createHarness, type Harness } from "./harness.ts";

// Issue 13 item 6: every request has an id, answered in X-Request-Id and written into its log lines.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

describe("X-Request-Id", () => {
	test("a request without one gets a fresh UUID, on every kind of answer", async () => {
		const ids: string[] = [];
		for (const path of ["/healthz", "/v3/users", "/v3/nothing", "/dashboard/login"]) {
			const res = await h.call("GET", path, { key: h.seed.restApiKey });
			ids.push(String(res.headers.get("x-request-id")));
		}
		for (const id of ids) expect(id).toMatch(UUID);
		expect(new Set(ids).size).toBe(ids.length);
	});

	test("a caller's id of 1–128 safe characters is kept", async () => {
		for (const id of ["a", "req-42", "5f0c.7e:01@edge/2+x=", "x".repeat(128)]) {
			const res = await h.call("GET", "/v3/users", { key: h.seed.restApiKey, headers: { "x-request-id": id } });
			expect(res.headers.get("x-request-id")).toBe(id);
		}
	});

	test("an id too long, with other characters, or shaped like a credential is replaced", async () => {
		const refused = [
			"",
			"x".repeat(129),
			"a b",
			"a\tb",
			"naïve",
			"a;b",
			"<script>",
			"lkat_00ff00ff00ff00ff00ff.secretpart",
		];
		for (const id of refused) {
			const res = await h.call("GET", "/v3/users", { key: h.seed.restApiKey, headers: { "x-request-id": id } });
			expect({ sent: id, answered: res.headers.get("x-request-id") }).toEqual({
				sent: id,
				answered: expect.stringMatching(UUID),
			});
		}
	});

	test("browsers may send it and read it back", async () => {
		const preflight = await h.app.request("/v3/users", {
			method: "OPTIONS",
			headers: { origin: "https://app.example", "access-control-request-headers": "x-request-id" },
		});
		expect(preflight.headers.get("access-control-allow-headers")).toContain("x-request-id");
		const res = await h.call("GET", "/v3/users", { key: h.seed.restApiKey });
		expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
	});

	test("the access log line and the error line of a request carry its id", async () => {
		const lines: Array<Record<string, unknown>> = [];
		const logger = createLogger("info", { write: (line: string) => void lines.push(JSON.parse(line)) });
		const failing: Store = Object.create(h.deps.store) as Store;
		failing.getUser = async () => {
			throw new Error("driver failed");
		};
		const app = createWebApp({ ...h.deps, store: failing, logger });
		const headers = { appid: h.seed.app.id, apikey: h.seed.restApiKey, "x-request-id": "trace-7" };
		expect((await app.request("/v3/users/superhero1", { headers })).status).toBe(500);
		const fresh = await app.request("/v3/users", { headers: { appid: h.seed.app.id, apikey: h.seed.restApiKey } });
		const logged = lines.map((line) => ({ msg: line.msg, reqId: line.reqId }));
		expect(logged).toEqual([
			{ msg: "unhandled error", reqId: "trace-7" },
			{ msg: "request", reqId: "trace-7" },
			{ msg: "request", reqId: fresh.headers.get("x-request-id") },
		]);
	});
});
