import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { WebSocket } from "ws";
import type { Credentials } from "../src/bootstrap.ts";
import {
	findFreePort,
	type JSONAnswer,
	makeTempDir,
	requestJSON,
	type ServerProcess,
	startServerProcess,
} from "./process.ts";
import { createTestDatabase } from "./stores.ts";

const url = process.env.DATABASE_URL;

describe.skipIf(!url)("two stateless nodes on one PostgreSQL database", () => {
	let database: { url: string; drop(): Promise<void> };
	const nodes: ServerProcess[] = [];
	let baseA = "";
	let baseB = "";
	let credentials: Credentials;

	beforeAll(async () => {
		database = await createTestDatabase(url as string, "latchkey_cluster");
		const [portA, portB] = [await findFreePort(), await findFreePort()];
		const [dirA, dirB] = [makeTempDir("node-a"), makeTempDir("node-b")];
		// Both start at once on the empty database: exactly one of them creates the first app.
		nodes.push(
			...(await Promise.all([
				startServerProcess({ PORT: String(portA), LATCHKEY_DATA_DIR: dirA, DATABASE_URL: database.url }),
				startServerProcess({ PORT: String(portB), LATCHKEY_DATA_DIR: dirB, DATABASE_URL: database.url }),
			])),
		);
		baseA = `http://127.0.0.1:${portA}`;
		baseB = `http://127.0.0.1:${portB}`;
		const written = [dirA, dirB].filter((dir) => existsSync(path.join(dir, "credentials.json")));
		expect(written).toHaveLength(1);
		credentials = JSON.parse(readFileSync(path.join(written[0] as string, "credentials.json"), "utf8")) as Credentials;
		const apps = new pg.Client({ connectionString: database.url });
		await apps.connect();
		expect((await apps.query("select count(*)::int as n from apps")).rows).toEqual([{ n: 1 }]);
		await apps.end();
	}, 60_000);

	afterAll(async () => {
		await Promise.all(nodes.map((node) => node.stop()));
		await database?.drop();
	});

	test("a token deleted through node A closes its socket on node B", async () => {
		const rest = { appid: credentials.appId, apikey: credentials.restApiKey };
		expect((await requestJSON(baseA, "POST", "/v3/users", rest, { uid: "ada", name: "Ada" })).status).toBe(200);
		const token = String((await requestJSON(baseA, "POST", "/v3/users/ada/auth_tokens", rest)).json.data?.authToken);
		const me = await requestJSON(
			baseB,
			"PUT",
			"/v3.0/me",
			{ appid: credentials.appId, authtoken: token },
			{ platform: "WEB" },
		);
		const jwt = String(me.json.data?.jwt);

		const socket = new WebSocket(`ws://${baseB.slice("http://".length)}/`);
		const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
			socket.on("close", (code, reason) => resolve({ code, reason: reason.toString(), at: performance.now() }));
		});
		socket.on("error", () => {});
		const authenticated = new Promise<unknown>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error("no auth answer within 10 s")), 10_000);
			socket.on("message", (data) => {
				const frame = JSON.parse(data.toString()) as { type?: string; body?: unknown };
				if (frame.type === "auth") {
					clearTimeout(timer);
					resolve(frame.body);
				}
			});
		});
		await new Promise<void>((resolve) => socket.once("open", () => resolve()));
		socket.send(
			JSON.stringify({
				appId: credentials.appId,
				deviceId: "dev-1",
				type: "auth",
				sender: "ada",
				body: { auth: jwt, deviceId: "dev-1" },
			}),
		);
		expect(await authenticated).toEqual({ code: "200", status: "OK" });

		const tokenId = token.split(".")[0];
		const started = performance.now();
		expect((await requestJSON(baseA, "DELETE", `/v3/users/ada/auth_tokens/${tokenId}`, rest)).status).toBe(200);
		const result = await Promise.race([
			closed,
			new Promise<never>((_, reject) =>
				setTimeout(() => reject(new Error("socket on node B still open after 10 s")), 10_000),
			),
		]);
		console.log(`cross-node revocation-to-close: ${(result.at - started).toFixed(1)} ms (delete on A, socket on B)`);
		expect({ code: result.code, reason: result.reason }).toEqual({ code: 4001, reason: "revoked" });
	});

	test("node B's cached session follows what node A does: a rename is seen, a revocation refused", async () => {
		const rest = { appid: credentials.appId, apikey: credentials.restApiKey };
		expect((await requestJSON(baseA, "POST", "/v3/users", rest, { uid: "bea", name: "Bea" })).status).toBe(200);
		const token = String((await requestJSON(baseA, "POST", "/v3/users/bea/auth_tokens", rest)).json.data?.authToken);
		const session = { appid: credentials.appId, authtoken: token };
		// Node B caches the session, then node A changes it: B must follow as soon as the event arrives.
		expect((await requestJSON(baseB, "GET", "/v3.0/me", session)).json.data?.name).toBe("Bea");
		expect((await requestJSON(baseB, "GET", "/v3.0/me", session)).json.data?.name).toBe("Bea");
		expect((await requestJSON(baseA, "PUT", "/v3/users/bea", rest, { name: "Beatrice" })).status).toBe(200);
		/** Asks node B until `done` holds, for at most 5 s; returns the last answer and how long it took. */
		const askB = async (done: (answer: JSONAnswer) => boolean): Promise<{ answer: JSONAnswer; ms: number }> => {
			const started = performance.now();
			let answer = await requestJSON(baseB, "GET", "/v3.0/me", session);
			while (!done(answer) && performance.now() - started < 5_000) {
				answer = await requestJSON(baseB, "GET", "/v3.0/me", session);
			}
			return { answer, ms: performance.now() - started };
		};
		const renamed = await askB((answer) => answer.json.data?.name === "Beatrice");
		expect(renamed.answer.json.data?.name).toBe("Beatrice");
		const tokenId = token.split(".")[0];
		expect((await requestJSON(baseA, "DELETE", `/v3/users/bea/auth_tokens/${tokenId}`, rest)).status).toBe(200);
		const refused = await askB((answer) => answer.status !== 200);
		console.log(
			`cross-node cache: rename seen by B after ${renamed.ms.toFixed(1)} ms, revocation after ${refused.ms.toFixed(1)} ms`,
		);
		expect({ status: refused.answer.status, code: refused.answer.json.error?.code }).toEqual({
			status: 401,
			code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
		});
	});

	test("concurrent creates of one uid through both nodes yield exactly one user", async () => {
		const rest = { appid: credentials.appId, apikey: credentials.restApiKey };
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				requestJSON(i % 2 === 0 ? baseA : baseB, "POST", "/v3/users", rest, { uid: "Twin", name: `Twin ${i}` }),
			),
		);
		expect(results.filter((r) => r.status === 200)).toHaveLength(1);
		const refused = results.filter((r) => r.status !== 200);
		expect(refused).toHaveLength(19);
		for (const r of refused)
			expect({ status: r.status, code: r.json.error?.code }).toEqual({ status: 400, code: "ERR_UID_ALREADY_EXISTS" });
	});

	test("150 concurrent token creates for one user through both nodes leave exactly 100 live tokens", async () => {
		const rest = { appid: credentials.appId, apikey: credentials.restApiKey };
		expect((await requestJSON(baseA, "POST", "/v3/users", rest, { uid: "busy", name: "Busy" })).status).toBe(200);
		const results = await Promise.all(
			Array.from({ length: 150 }, (_, i) =>
				requestJSON(i % 2 === 0 ? baseA : baseB, "POST", "/v3/users/busy/auth_tokens", rest),
			),
		);
		expect(results.map((r) => r.status)).toEqual(Array.from({ length: 150 }, () => 200));
		const list = await requestJSON(baseB, "GET", "/v3/users/busy/auth_tokens?perPage=100", rest);
		expect(list.json.meta?.pagination.total).toBe(100);
		// Exactly the 100 listed still work, on either node; the 50 evicted are refused like any unknown token.
		const checks = await Promise.all(
			results.map((r, i) =>
				requestJSON(i % 2 === 0 ? baseB : baseA, "GET", "/v3.0/me", {
					appid: credentials.appId,
					authtoken: String(r.json.data?.authToken),
				}),
			),
		);
		expect(checks.filter((c) => c.status === 200)).toHaveLength(100);
		for (const c of checks.filter((check) => check.status !== 200)) {
			expect({ status: c.status, code: c.json.error?.code }).toEqual({
				status: 401,
				code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			});
		}
	});
});
