import pino from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import type { DomainDeps } from "../src/domain/deps.ts";
import { noEvents } from "../src/events/bus.ts";
import { EXPIRY_SWEEP_INTERVAL_MS, sweepExpiredTokens } from "../src/realtime/expiry-sweep.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { authFrame, ManualTimers, openClient, type TestClient } from "./realtime-client.ts";
import { DIALECTS, openTestStore } from "./stores.ts";
import { within } from "./wait.ts";

// Issue 15: an expired token's sockets close with 4001 `expired` within a second of the boundary.
const SECOND = 1000;

let store: KyselyStore;
let running: RunningServer | undefined;
afterEach(async () => {
	await running?.close();
	running = undefined;
	await store.close();
});

describe.each(DIALECTS)("on %s", (dialect) => {
	let seed: CreatedApp;
	let clock: ManualClock;
	let timers: ManualTimers;
	let domain: DomainDeps;

	async function start(): Promise<RunningServer> {
		store = await openTestStore(dialect);
		clock = new ManualClock();
		timers = new ManualTimers();
		seed = await createLatchkeyApp({ store, clock, events: noEvents }, { name: "Expiry" });
		const server = await startServer({
			config: readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent" }, process.cwd()),
			store,
			clock,
			logger: pino({ level: "silent" }),
			realtime: { setTimer: timers.set, heartbeatIntervalMs: 0, reconcileIntervalMs: 0 },
		});
		running = server;
		domain = { store: server.cache.store, clock, events: server.bus };
		return server;
	}

	async function call(
		server: RunningServer,
		method: string,
		path: string,
		headers: Record<string, string>,
		body?: unknown,
	) {
		const res = await fetch(`${server.url}${path}`, {
			method,
			headers: { appid: seed.app.id, "content-type": "application/json", ...headers },
			...(body !== undefined && { body: JSON.stringify(body) }),
		});
		return { status: res.status, body: (await res.json()) as { data: Record<string, unknown> } };
	}

	async function connect(
		server: RunningServer,
		settings: Record<string, unknown>,
	): Promise<{ client: TestClient; tokenId: string; jwt: string }> {
		expect((await call(server, "PUT", "/v3/security", { apikey: seed.restApiKey }, settings)).status).toBe(200);
		const minted = await call(server, "POST", "/v3/users/superhero1/auth_tokens", { apikey: seed.authKey }, {});
		const token = String(minted.body.data.authToken);
		const me = await call(server, "PUT", "/v3.0/me", { authtoken: token }, { platform: "WEB" });
		const jwt = String(me.body.data.jwt);
		const client = await openClient(server.url.replace(/^http/, "ws"));
		client.socket.send(authFrame(seed.app.id, "superhero1", jwt));
		expect(await client.nextMessage()).toMatchObject({ body: { code: "200", status: "OK" } });
		return { client, tokenId: token.split(".")[0] as string, jwt };
	}

	test("a socket of a token past its maximum lifetime closes with 4001 expired, not a second before", async () => {
		const server = await start();
		const { client, tokenId } = await connect(server, { tokenMaxLifetimeSeconds: 120 });
		clock.advance(119 * SECOND);
		expect(await sweepExpiredTokens(domain, server.hub)).toEqual([]);
		expect(server.hub.liveTokenIds()).toEqual([tokenId]);
		clock.advance(SECOND);
		expect(await sweepExpiredTokens(domain, server.hub)).toEqual([tokenId]);
		expect(await within(client.closed, "close")).toMatchObject({ code: 4001, reason: "expired" });
	});

	test("the node's own timer runs the sweep every second; an idle token's socket closes", async () => {
		const server = await start();
		const { client } = await connect(server, { tokenIdleTimeoutSeconds: 60 });
		clock.advance(60 * SECOND);
		expect(timers.fire(EXPIRY_SWEEP_INTERVAL_MS)).toBe(1);
		expect(await within(client.closed, "close")).toMatchObject({ code: 4001, reason: "expired" });
	});

	test("an expired token's JWT cannot open a socket (closed with 4001 expired as the token ends), and the token is gone", async () => {
		const server = await start();
		const { client, jwt } = await connect(server, { tokenMaxLifetimeSeconds: 60 });
		client.socket.close();
		await within(client.closed, "close");
		clock.advance(60 * SECOND);
		const late = await openClient(server.url.replace(/^http/, "ws"));
		late.socket.send(authFrame(seed.app.id, "superhero1", jwt));
		// Ending the token closes every socket indexed under it, this one (still verifying) included.
		expect(await within(late.closed, "close")).toMatchObject({ code: 4001, reason: "expired" });
		const listed = await call(server, "GET", "/v3/users/superhero1/auth_tokens", { apikey: seed.restApiKey });
		expect(listed.body.data).toEqual([]);
	});
});
