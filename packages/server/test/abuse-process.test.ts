import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Credentials } from "../src/bootstrap.ts";
import { findFreePort, makeTempDir, requestJSON, type ServerProcess, startServerProcess } from "./process.ts";
import { authFrame, openClientWith } from "./realtime-client.ts";
import { within } from "./wait.ts";

// The abuse section: what a security probe of the running server tried (issue 12), replayed against the built
// server process in bounded loops over loopback, so none of it comes back unnoticed. The server trusts
// X-Forwarded-For here, which lets each attack come from its own address.

const FAILURES_PER_ADDRESS = 20;
const LOGIN_POINTS_PER_USER = 30;

describe("abuse against the real server process", () => {
	const dataDir = makeTempDir("abuse");
	let server: ServerProcess;
	let base: string;
	let credentials: Credentials;

	beforeAll(async () => {
		const port = await findFreePort();
		server = await startServerProcess({
			PORT: String(port),
			LATCHKEY_DATA_DIR: dataDir,
			LATCHKEY_TRUST_PROXY: "true",
			LATCHKEY_RATE_LIMIT_IP_FAILURES_PER_MINUTE: String(FAILURES_PER_ADDRESS),
			LATCHKEY_RATE_LIMIT_UID_LOGIN_POINTS_PER_MINUTE: String(LOGIN_POINTS_PER_USER),
		});
		base = `http://127.0.0.1:${port}`;
		credentials = JSON.parse(readFileSync(path.join(dataDir, "credentials.json"), "utf8")) as Credentials;
	}, 60_000);
	afterAll(async () => {
		await server?.stop();
	});

	const from = (address: string, headers: Record<string, string> = {}) => ({
		appid: credentials.appId,
		"x-forwarded-for": address,
		...headers,
	});

	/** Sends `count` requests one after another and tallies their statuses. */
	async function flood(count: number, send: (index: number) => Promise<{ status: number }>) {
		const statuses: Record<number, number> = {};
		for (let i = 0; i < count; i++) {
			const { status } = await send(i);
			statuses[status] = (statuses[status] ?? 0) + 1;
		}
		return statuses;
	}

	test("a wrong-key flood gets the failure budget, then 429 with every header; other addresses are untouched", async () => {
		const statuses = await flood(FAILURES_PER_ADDRESS + 10, (i) =>
			requestJSON(base, "GET", "/v3/users", from("198.51.100.1", { apikey: `guess-${i}` })),
		);
		expect(statuses).toEqual({ 401: FAILURES_PER_ADDRESS, 429: 10 });
		const res = await fetch(`${base}/v3/users`, { headers: from("198.51.100.1", { apikey: "guess" }) });
		expect({
			status: res.status,
			limit: res.headers.get("x-rate-limit"),
			remaining: res.headers.get("x-rate-limit-remaining"),
			resetInFuture: Number(res.headers.get("x-rate-limit-reset")) > Date.now() / 1000,
			retryAfter: Number(res.headers.get("retry-after")) > 0,
			code: ((await res.json()) as { error: { code: string } }).error.code,
		}).toEqual({
			status: 429,
			limit: String(FAILURES_PER_ADDRESS),
			remaining: "0",
			resetInFuture: true,
			retryAfter: true,
			code: "ERR_TOO_MANY_REQUESTS",
		});
		const neighbour = await requestJSON(
			base,
			"POST",
			"/v3/users/superhero3/auth_tokens",
			from("198.51.100.2", { apikey: credentials.authKey }),
		);
		expect(neighbour.status).toBe(200);
	});

	test("unknown-uid probes with the Auth Key spend their address's failures", async () => {
		const statuses = await flood(FAILURES_PER_ADDRESS + 5, (i) =>
			requestJSON(
				base,
				"POST",
				`/v3/users/nobody${i}/auth_tokens`,
				from("198.51.100.3", { apikey: credentials.authKey }),
			),
		);
		expect(statuses).toEqual({ 404: FAILURES_PER_ADDRESS, 429: 5 });
	});

	test("an Auth Key login flood on one user is cut at the user's budget, whatever the address", async () => {
		const statuses = await flood(LOGIN_POINTS_PER_USER + 5, (i) =>
			requestJSON(
				base,
				"POST",
				"/v3/users/superhero1/auth_tokens",
				from(`203.0.113.${i}`, { apikey: credentials.authKey }),
			),
		);
		expect(statuses).toEqual({ 200: LOGIN_POINTS_PER_USER, 429: 5 });
	});

	test("bad realtime auth frames: refused with 4002 until the address's budget is spent, then 429 upgrades", async () => {
		const url = base.replace(/^http/, "ws");
		const headers = { "x-forwarded-for": "198.51.100.4" };
		const codes: number[] = [];
		for (let i = 0; i < FAILURES_PER_ADDRESS; i++) {
			const client = await openClientWith(url, { headers });
			client.socket.send(authFrame(credentials.appId, "superhero1", `forged.${i}.jwt`));
			codes.push((await within(client.closed, "close")).code);
		}
		expect(new Set(codes)).toEqual(new Set([4002]));
		await expect(openClientWith(url, { headers })).rejects.toThrow("Unexpected server response: 429");
		const elsewhere = await openClientWith(url, { headers: { "x-forwarded-for": "198.51.100.5" } });
		elsewhere.socket.close();
	});

	test("input that once cost linear time or a 500 is a quick 400, and the server keeps answering", async () => {
		const minted = await requestJSON(
			base,
			"POST",
			"/v3/users/superhero2/auth_tokens",
			from("198.51.100.6", { apikey: credentials.authKey }),
		);
		const token = String(minted.json.data?.authToken);
		const deep = `{"appInfo":{"a":${"[".repeat(5_000)}${"]".repeat(5_000)}}}`;
		for (let i = 0; i < 4; i++) {
			const res = await fetch(`${base}/v3.0/me`, {
				method: "PUT",
				headers: { ...from("198.51.100.6", { authtoken: token }), "content-type": "application/json" },
				body: deep,
			});
			expect(res.status).toBe(400);
			await res.arrayBuffer();
		}
		const tags = Array.from({ length: 999 }, (_, i) => `t${i}`).join(",");
		const list = await requestJSON(
			base,
			"GET",
			`/v3/users?tags=${tags}`,
			from("198.51.100.6", { apikey: credentials.restApiKey }),
		);
		expect({ status: list.status, code: list.json.error?.code }).toEqual({ status: 400, code: "ERR_BAD_REQUEST" });
		expect((await requestJSON(base, "GET", "/healthz", {})).status).toBe(200);
	});
});
