import pino from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { Metrics } from "../src/metrics/metrics.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { createWebApp } from "../src/web-app.ts";
import { createHarness, type Harness } from "./harness.ts";
import { errorBody, mintToken } from "./helpers.ts";
import { authFrame, openClient } from "./realtime-client.ts";
import { openTestStore } from "./stores.ts";
import { within } from "./wait.ts";

// Issue 13 item 5: Prometheus metrics at /metrics, to the bearer of LATCHKEY_METRICS_TOKEN only.
const TOKEN = "metrics-token-0123456789abcdef";
const SECRET_SHAPE = /lk(at|ak|st|os)_[0-9a-f]+/i;
const DIALECT = process.env.LATCHKEY_TEST_DIALECT === "postgres" ? "postgres" : "sqlite";

let h: Harness;
let app: ReturnType<typeof createWebApp>;
beforeEach(async () => {
	h = await createHarness();
	app = createWebApp({ ...h.deps, metrics: { registry: new Metrics(), token: TOKEN } });
});
afterEach(async () => {
	await h.close();
});

async function scrape(): Promise<string> {
	const res = await app.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
	expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({
		status: 200,
		type: "text/plain; version=0.0.4; charset=utf-8",
	});
	return await res.text();
}

/** Our own series (not the process and Node.js defaults), as `name{labels}` without values. */
function series(text: string, prefix: string): string[] {
	return text
		.split("\n")
		.filter((line) => line.startsWith(prefix))
		.map((line) => line.replace(/ [^ ]+$/, ""));
}

describe("GET /metrics", () => {
	test("is 401 without the token, with a wrong one, or another scheme; needs no appid", async () => {
		const refused = errorBody("AUTH_ERR_INVALID_METRICS_TOKEN", "The metrics token is missing or wrong.");
		for (const authorization of [undefined, "Bearer wrong", `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, "Bearer "]) {
			const res = await app.request("/metrics", { headers: authorization ? { authorization } : {} });
			expect({
				status: res.status,
				challenge: res.headers.get("www-authenticate"),
				body: await res.json(),
			}).toEqual({ status: 401, challenge: 'Bearer realm="metrics"', body: refused });
		}
		const lowerCase = await app.request("/metrics", { headers: { authorization: `bearer ${TOKEN}` } });
		expect(lowerCase.status).toBe(200);
	});

	test("is not served when metrics are off", async () => {
		const res = await h.app.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
		expect({ status: res.status, body: await res.json() }).toEqual({
			status: 404,
			body: errorBody("ERR_API_NOT_FOUND", "The endpoint GET /metrics does not exist."),
		});
	});

	test("counts requests by route template and status, and logins by method and outcome", async () => {
		const call = (method: string, path: string, headers: Record<string, string> = {}) =>
			app.request(path, { method, headers: { appid: h.seed.app.id, ...headers } });
		const token = await mintToken(h, "superhero1");
		await call("POST", "/v3/users/superhero2/auth_tokens", { apikey: h.seed.authKey });
		await call("POST", "/v3/users/superhero2/auth_tokens", { apikey: h.seed.restApiKey });
		await call("POST", "/v3/users/nobody/auth_tokens", { apikey: h.seed.authKey });
		await call("PUT", "/v3.0/me", { authtoken: token.authToken, "content-type": "application/json" });
		await call("GET", "/v3.0/me", { authtoken: token.authToken });
		await call("GET", "/v3.0/me", { authtoken: "lkat_0011.wrong" });
		await call("GET", `/v3/users/superhero1/auth_tokens/${token.authToken}`, { apikey: h.seed.restApiKey });
		await call("GET", `/v3/no/such/${token.authToken}`, { apikey: h.seed.restApiKey });
		const text = await scrape();
		expect(series(text, "latchkey_http_requests_total")).toEqual([
			'latchkey_http_requests_total{method="POST",route="/v3/users/:uid/auth_tokens",status="200"}',
			'latchkey_http_requests_total{method="POST",route="/v3/users/:uid/auth_tokens",status="404"}',
			'latchkey_http_requests_total{method="PUT",route="/v3.0/me",status="200"}',
			'latchkey_http_requests_total{method="GET",route="/v3.0/me",status="200"}',
			'latchkey_http_requests_total{method="GET",route="/v3.0/me/*",status="401"}',
			'latchkey_http_requests_total{method="GET",route="/v3/users/:uid/auth_tokens/:authToken",status="200"}',
			'latchkey_http_requests_total{method="GET",route="/v3/*",status="404"}',
		]);
		expect(text).toContain(
			'latchkey_http_requests_total{method="POST",route="/v3/users/:uid/auth_tokens",status="200"} 2',
		);
		expect(series(text, "latchkey_logins_total")).toEqual([
			'latchkey_logins_total{method="auth_key",outcome="success"}',
			'latchkey_logins_total{method="rest_api_key",outcome="success"}',
			'latchkey_logins_total{method="auth_key",outcome="failure"}',
			'latchkey_logins_total{method="auth_token",outcome="success"}',
		]);
		expect(text).toContain('latchkey_http_request_duration_seconds_count{method="GET",route="/v3.0/me"} 1');
		// No path value, uid or credential reaches a label.
		expect(text).not.toMatch(SECRET_SHAPE);
		expect(text).not.toContain("superhero");
		expect(text).not.toContain("nobody");
	});

	test("the metric names and labels are stable", async () => {
		const text = await scrape();
		const ours = text
			.split("\n")
			.filter((line) => line.startsWith("# TYPE latchkey_") && !/latchkey_(process|nodejs)_/.test(line));
		expect(ours).toEqual([
			"# TYPE latchkey_http_requests_total counter",
			"# TYPE latchkey_http_request_duration_seconds histogram",
			"# TYPE latchkey_logins_total counter",
			"# TYPE latchkey_auth_tokens_minted_total counter",
			"# TYPE latchkey_auth_tokens_revoked_total counter",
			"# TYPE latchkey_realtime_sockets gauge",
			"# TYPE latchkey_db_pool_connections gauge",
		]);
		expect(text).toContain("# TYPE latchkey_nodejs_eventloop_lag_seconds gauge");
	});
});

describe("a server with LATCHKEY_METRICS_TOKEN", () => {
	let running: RunningServer | undefined;
	let store: KyselyStore | undefined;
	afterEach(async () => {
		await running?.close();
		await store?.close();
	});

	test("counts the tokens it mints and revokes, its sockets and its pool", async () => {
		store = await openTestStore(DIALECT);
		const seed = await createLatchkeyApp({ ...h.deps, store }, { name: "M" });
		const server = await startServer({
			config: readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent", LATCHKEY_METRICS_TOKEN: TOKEN }, process.cwd()),
			store,
			clock: h.clock,
			logger: pino({ level: "silent" }),
		});
		running = server;
		const headers = { appid: seed.app.id, apikey: seed.restApiKey, "content-type": "application/json" };
		const minted = await fetch(`${server.url}/v3/users/superhero1/auth_tokens`, { method: "POST", headers });
		const authToken = ((await minted.json()) as { data: { authToken: string } }).data.authToken;
		const me = await fetch(`${server.url}/v3.0/me`, {
			method: "PUT",
			headers: { appid: seed.app.id, authtoken: authToken },
		});
		const jwt = ((await me.json()) as { data: { jwt: string } }).data.jwt;
		const client = await openClient(server.url.replace(/^http/, "ws"));
		client.socket.send(authFrame(seed.app.id, "superhero1", jwt));
		await client.nextMessage();
		const scrapeServer = async () =>
			await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
		const during = await scrapeServer();
		expect(during).toContain("latchkey_realtime_sockets 1");
		expect(during).toContain("latchkey_auth_tokens_minted_total 1");
		await fetch(`${server.url}/v3.0/me`, { method: "DELETE", headers: { appid: seed.app.id, authtoken: authToken } });
		await within(client.closed, "close");
		const after = await scrapeServer();
		expect(after).toContain('latchkey_auth_tokens_revoked_total{reason="logged_out"} 1');
		expect(after).toContain("latchkey_realtime_sockets 0");
		if (DIALECT === "postgres") expect(after).toMatch(/latchkey_db_pool_connections\{state="total"\} [1-9]/);
		else expect(after).not.toContain("latchkey_db_pool_connections{");
	});
});
