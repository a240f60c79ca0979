import pino from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { toUnixSeconds } from "../src/domain/clock.ts";
import { PRESENCE_STALE_AFTER_MS } from "../src/domain/presence.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { authFrame, ManualTimers, openClient, type TestClient } from "./realtime-client.ts";
import { DIALECTS, openTestStore } from "./stores.ts";
import { within } from "./wait.ts";

// Issue 14, presence on one node: a user is online while an authenticated socket of theirs is open.

let store: KyselyStore;
let running: RunningServer;
let seed: CreatedApp;
let clock: ManualClock;

async function call(method: string, path: string, options: { key?: string; token?: string; body?: unknown } = {}) {
	const headers: Record<string, string> = { appid: seed.app.id, "content-type": "application/json" };
	if (options.key) headers.apikey = options.key;
	if (options.token) headers.authtoken = options.token;
	const res = await fetch(`${running.url}${path}`, {
		method,
		headers,
		...(options.body !== undefined && { body: JSON.stringify(options.body) }),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function login(uid: string): Promise<{ token: string; tokenId: string; jwt: string }> {
	const minted = await call("POST", `/v3/users/${uid}/auth_tokens`, { key: seed.restApiKey });
	const token = (minted.body.data as { authToken: string }).authToken;
	const me = await call("PUT", "/v3.0/me", { token, body: { platform: "WEB" } });
	return { token, tokenId: token.split(".")[0] as string, jwt: (me.body.data as { jwt: string }).jwt };
}

async function connect(uid: string, jwt: string): Promise<TestClient> {
	const client = await openClient(running.url.replace(/^http/, "ws"));
	client.socket.send(authFrame(seed.app.id, uid, jwt));
	expect((await client.nextMessage()).body).toEqual({ code: "200", status: "OK" });
	return client;
}

/** The user as a logged-in client reads them: [status, lastActiveAt]. */
async function readPresence(viewerToken: string, uid: string): Promise<[string, unknown]> {
	const res = await call("GET", `/v3.0/users/${uid}`, { token: viewerToken });
	const data = res.body.data as { status: string; lastActiveAt?: number };
	return [data.status, data.lastActiveAt];
}

/** Waits (bounded) until the server has seen `count` sockets close and written what that changed. */
async function serverSockets(count: number): Promise<void> {
	await within(
		(async () => {
			while (running.hub.connectionCount() !== count) await new Promise((resolve) => setImmediate(resolve));
		})(),
		`${count} open sockets on the server`,
	);
	await running.presence.idle();
}

describe.each(DIALECTS)("presence on one node, %s", (dialect) => {
	let viewer: string;
	beforeEach(async () => {
		store = await openTestStore(dialect);
		seed = await createLatchkeyApp({ store, clock: new ManualClock(), events: noEvents }, { name: "Presence" });
		clock = new ManualClock();
		running = await startServer({
			config: readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent" }, process.cwd()),
			store,
			clock,
			logger: pino({ level: "silent" }),
			realtime: { setTimer: new ManualTimers().set },
			presence: { heartbeatIntervalMs: 0, nodeId: "node-a" },
		});
		viewer = (await login("superhero5")).token;
	});

	afterEach(async () => {
		await running.close();
		await store.close();
	});

	test("online from the 200 answer until the last socket closes; lastActiveAt is when it closed", async () => {
		expect(await readPresence(viewer, "superhero1")).toEqual(["offline", undefined]);
		const first = await login("superhero1");
		const a = await connect("superhero1", first.jwt);
		expect(await readPresence(viewer, "superhero1")).toEqual(["online", undefined]);
		const b = await connect("superhero1", (await login("superhero1")).jwt);
		clock.advance(10_000);
		a.socket.close();
		await serverSockets(1);
		expect(await readPresence(viewer, "superhero1")).toEqual(["online", undefined]);
		clock.advance(10_000);
		b.socket.close();
		await serverSockets(0);
		expect(await readPresence(viewer, "superhero1")).toEqual(["offline", toUnixSeconds(clock.now())]);
		const admin = await call("GET", "/v3/users/superhero1", { key: seed.restApiKey });
		expect(admin.body.data).toMatchObject({ status: "offline", lastActiveAt: toUnixSeconds(clock.now()) });
	});

	test("the status filter follows: available lists the connected user, offline the others", async () => {
		const session = await login("superhero2");
		await connect("superhero2", session.jwt);
		const online = await call("GET", "/v3.0/users?per_page=30&status=available&page=1", { token: viewer });
		expect((online.body.data as Array<{ uid: string }>).map((u) => u.uid)).toEqual(["superhero2"]);
		const offline = await call("GET", "/v3.0/users?per_page=30&status=offline&page=1", { token: viewer });
		expect((offline.body.data as Array<{ uid: string }>).map((u) => u.uid)).toEqual([
			"superhero1",
			"superhero3",
			"superhero4",
			"superhero5",
		]);
	});

	test("a revoked token's socket is closed and its user goes offline before the next read", async () => {
		const session = await login("superhero3");
		const client = await connect("superhero3", session.jwt);
		const del = await call("DELETE", `/v3/users/superhero3/auth_tokens/${session.tokenId}`, { key: seed.restApiKey });
		expect(del.status).toBe(200);
		await running.presence.idle();
		expect(await readPresence(viewer, "superhero3")).toEqual(["offline", toUnixSeconds(clock.now())]);
		expect(await within(client.closed, "close")).toMatchObject({ code: 4001, reason: "revoked" });
	});

	test("a socket whose auth fails never makes anyone online", async () => {
		const client = await openClient(running.url.replace(/^http/, "ws"));
		const session = await login("superhero4");
		client.socket.send(authFrame(seed.app.id, "superhero4", `${session.jwt}x`));
		expect(await within(client.closed, "close")).toMatchObject({ code: 4002 });
		await running.presence.idle();
		expect(await store.listOnlineUids(seed.app.id, ["superhero4"], 0)).toEqual([]);
	});

	test("without heartbeats the node's users read offline after the bound; a beat brings them back", async () => {
		await connect("superhero1", (await login("superhero1")).jwt);
		clock.advance(PRESENCE_STALE_AFTER_MS);
		expect((await readPresence(viewer, "superhero1"))[0]).toBe("online");
		clock.advance(1);
		expect((await readPresence(viewer, "superhero1"))[0]).toBe("offline");
		await running.presence.beat();
		expect((await readPresence(viewer, "superhero1"))[0]).toBe("online");
	});

	test("a node pruned as crashed by another puts its users back on its next beat", async () => {
		await connect("superhero1", (await login("superhero1")).jwt);
		// Another node saw this one's heartbeat as stale and removed it with its rows.
		expect(await store.prunePresenceNodes(clock.now() + 1, clock.now())).toBe(1);
		expect((await readPresence(viewer, "superhero1"))[0]).toBe("offline");
		await running.presence.beat();
		await running.presence.idle();
		expect((await readPresence(viewer, "superhero1"))[0]).toBe("online");
	});

	test("closing the server takes its users offline at once", async () => {
		await connect("superhero1", (await login("superhero1")).jwt);
		expect(await store.listOnlineUids(seed.app.id, ["superhero1"], clock.now() - PRESENCE_STALE_AFTER_MS)).toEqual([
			"superhero1",
		]);
		await running.close();
		expect(await store.listOnlineUids(seed.app.id, ["superhero1"], 0)).toEqual([]);
		expect((await store.getUser(seed.app.id, "superhero1"))?.lastActiveAt).toBe(clock.now());
		running = await startServer({
			config: readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent" }, process.cwd()),
			store,
			clock,
			logger: pino({ level: "silent" }),
			presence: { heartbeatIntervalMs: 0 },
		});
	});
});
