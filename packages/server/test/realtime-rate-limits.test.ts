import pino from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { createPostgresLimiterFactory } from "../src/store/rate-limit-counters.ts";
import { ManualClock } from "./harness.ts";
import { errorBody } from "./helpers.ts";
import { callNode } from "./nodes.ts";
import { authFrame, ManualTimers, openClient } from "./realtime-client.ts";
import { DIALECTS, openTestStore } from "./stores.ts";
import { within } from "./wait.ts";

// The realtime endpoint and the REST API of one node share its rate limits, and on PostgreSQL every node shares
// the failures of an address and the logins of a user (docs/security.md "Rate limits").

let store: KyselyStore;
let seed: CreatedApp;
const servers: RunningServer[] = [];

afterEach(async () => {
	for (const server of servers.splice(0)) await server.close();
	await store.close();
});

async function startNode(dialect: "sqlite" | "postgres", limits: Record<string, string>): Promise<RunningServer> {
	const config = readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent", ...limits }, process.cwd());
	const running = await startServer({
		config,
		store,
		clock: new ManualClock(),
		logger: pino({ level: "silent" }),
		realtime: { setTimer: new ManualTimers().set, heartbeatIntervalMs: 0, reconcileIntervalMs: 0 },
		// As run-server.ts wires it: the shared counters live in PostgreSQL.
		...(dialect === "postgres" && { sharedLimiter: createPostgresLimiterFactory(store.db) }),
	});
	servers.push(running);
	return running;
}

function call(node: RunningServer, method: string, path: string, headers: Record<string, string>, body?: unknown) {
	return callNode(node, seed.app.id, method, path, headers, body);
}

async function login(node: RunningServer, uid: string): Promise<string> {
	const minted = await call(node, "POST", `/v3/users/${uid}/auth_tokens`, { apikey: seed.authKey }, {});
	const token = (minted.body.data as { authToken: string }).authToken;
	const me = await call(node, "PUT", "/v3.0/me", { authtoken: token }, { platform: "WEB" });
	return (me.body.data as { jwt: string }).jwt;
}

function wsURL(node: RunningServer): string {
	return node.url.replace(/^http/, "ws");
}

const TOO_MANY = (scope: string) =>
	errorBody("ERR_TOO_MANY_REQUESTS", "Too many requests. Try again in 60 seconds.", { scope, retryAfterSeconds: 60 });

describe.each(DIALECTS)("on %s", (dialect) => {
	async function setUp(): Promise<void> {
		store = await openTestStore(dialect);
		seed = await createLatchkeyApp({ store, clock: new ManualClock(), events: noEvents }, { name: "RL" });
	}

	test("failed auth frames count against the address: once spent, its sockets close with 1013 and its upgrades are 429", async () => {
		await setUp();
		const node = await startNode(dialect, { LATCHKEY_RATE_LIMIT_IP_FAILURES_PER_MINUTE: "2" });
		const jwt = await login(node, "superhero1");
		const [first, second, late] = [
			await openClient(wsURL(node)),
			await openClient(wsURL(node)),
			await openClient(wsURL(node)),
		];
		first.socket.send(authFrame(seed.app.id, "superhero1", "not.a.jwt"));
		expect(await within(first.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
		second.socket.send(authFrame(seed.app.id, "superhero1", `${jwt}x`));
		expect(await within(second.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
		// The address has spent its two failures: even a valid JWT from it waits for the next window.
		late.socket.send(authFrame(seed.app.id, "superhero1", jwt));
		expect(await within(late.closed, "close")).toMatchObject({ code: 1013, reason: "too_many_requests" });
		await expect(openClient(wsURL(node))).rejects.toThrow("Unexpected server response: 429");
		// The REST API of the node sees the same address.
		expect(await call(node, "GET", "/v3/users", { apikey: "wrong" })).toEqual({
			status: 429,
			body: TOO_MANY("address"),
		});
	});

	test("a user over its login budget is closed with 1013, counted only once its JWT verified", async () => {
		await setUp();
		const node = await startNode(dialect, { LATCHKEY_RATE_LIMIT_UID_LOGIN_POINTS_PER_MINUTE: "4" });
		// A forged frame naming the user costs its address, not the user.
		const forged = await openClient(wsURL(node));
		forged.socket.send(authFrame(seed.app.id, "superhero1", "eyJhbGciOiJIUzI1NiJ9.e30.x"));
		expect(await within(forged.closed, "close")).toMatchObject({ code: 4002 });
		// Mint and PUT /me: 2 points; two sockets: 4.
		const jwt = await login(node, "superhero1");
		for (let i = 0; i < 2; i++) {
			const client = await openClient(wsURL(node));
			client.socket.send(authFrame(seed.app.id, "superhero1", jwt));
			expect(await client.nextMessage()).toMatchObject({ type: "auth", body: { code: "200", status: "OK" } });
		}
		const refused = await openClient(wsURL(node));
		refused.socket.send(authFrame(seed.app.id, "superhero1", jwt));
		expect(await within(refused.closed, "close")).toMatchObject({ code: 1013, reason: "too_many_requests" });
		expect(node.hub.liveSocketCount(seed.app.id, "superhero1")).toBe(2);
		expect(await call(node, "POST", "/v3/users/superhero1/auth_tokens", { apikey: seed.authKey }, {})).toEqual({
			status: 429,
			body: TOO_MANY("user"),
		});
	});

	test.runIf(dialect === "postgres")("two nodes count one address's failures together", async () => {
		await setUp();
		const limits = { LATCHKEY_RATE_LIMIT_IP_FAILURES_PER_MINUTE: "3" };
		const [a, b] = [await startNode(dialect, limits), await startNode(dialect, limits)];
		const wrong = (node: RunningServer) => call(node, "GET", "/v3/users", { apikey: "wrong" });
		expect((await wrong(a)).status).toBe(401);
		expect((await wrong(a)).status).toBe(401);
		expect((await wrong(b)).status).toBe(401);
		// Node A counted two failures itself; the third, on B, spent the shared budget.
		expect(await wrong(a)).toEqual({ status: 429, body: TOO_MANY("address") });
	});

	test.runIf(dialect === "postgres")("two nodes count one user's logins together", async () => {
		await setUp();
		const limits = { LATCHKEY_RATE_LIMIT_UID_LOGIN_POINTS_PER_MINUTE: "2" };
		const [a, b] = [await startNode(dialect, limits), await startNode(dialect, limits)];
		const mint = (node: RunningServer) =>
			call(node, "POST", "/v3/users/superhero2/auth_tokens", { apikey: seed.authKey }, {});
		expect((await mint(a)).status).toBe(200);
		expect((await mint(b)).status).toBe(200);
		// A has seen one login of the user; the shared count says two.
		expect(await mint(a)).toEqual({ status: 429, body: TOO_MANY("user") });
	});
});
