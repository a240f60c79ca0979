import { readFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Credentials } from "../src/bootstrap.ts";
import { readConfig } from "../src/config.ts";
import { toUnixSeconds } from "../src/domain/clock.ts";
import { PRESENCE_STALE_AFTER_MS } from "../src/domain/presence.ts";
import type { EventBus } from "../src/events/bus.ts";
import { createPostgresEventBus } from "../src/events/postgres-bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { findFreePort, makeTempDir, requestJSON, type ServerProcess, startServerProcess } from "./process.ts";
import { authFrame, openClient, type TestClient } from "./realtime-client.ts";
import { createTestDatabase } from "./stores.ts";
import { within } from "./wait.ts";

// Issue 14, presence across PostgreSQL nodes: node A runs in this process with a clock the test sets, node B is
// the built server in its own process (real clock, 5 s heartbeat) so that it can be killed outright.

const url = process.env.DATABASE_URL;

describe.skipIf(!url)("presence across two PostgreSQL nodes", () => {
	let database: { url: string; drop(): Promise<void> };
	let nodeB: ServerProcess;
	let baseB = "";
	let credentials: Credentials;
	let store: KyselyStore;
	let bus: EventBus;
	let nodeA: RunningServer;
	const clock = new ManualClock(Date.now());

	beforeAll(async () => {
		database = await createTestDatabase(url as string, "latchkey_presence");
		const port = await findFreePort();
		const dir = makeTempDir("presence-b");
		nodeB = await startServerProcess({ PORT: String(port), LATCHKEY_DATA_DIR: dir, DATABASE_URL: database.url });
		baseB = `http://127.0.0.1:${port}`;
		credentials = JSON.parse(readFileSync(path.join(dir, "credentials.json"), "utf8")) as Credentials;
		store = new KyselyStore({ kind: "postgres", url: database.url, poolSize: 4 });
		await store.migrate();
		bus = await createPostgresEventBus({ url: database.url });
		nodeA = await startServer({
			config: readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent" }, process.cwd()),
			store,
			clock,
			logger: pino({ level: "silent" }),
			bus,
			presence: { heartbeatIntervalMs: 0, nodeId: "node-a" },
		});
	}, 90_000);

	afterAll(async () => {
		await nodeA?.close();
		await bus?.close();
		await store?.close();
		await nodeB?.stop();
		await database?.drop();
	});

	const rest = (): Record<string, string> => ({ appid: credentials.appId, apikey: credentials.restApiKey });

	/** Node A's clock at the real time, and its heartbeat written at it (as its 5 s timer would). */
	async function beatA(): Promise<void> {
		clock.ms = Date.now();
		await nodeA.presence.beat();
	}

	async function statusOn(base: string, uid: string): Promise<string> {
		return String((await requestJSON(base, "GET", `/v3/users/${uid}`, rest())).json.data?.status);
	}

	/** Asks until `uid` reads `status` on `base`, for at most 5 s (another node's write is on its way). */
	async function untilStatus(base: string, uid: string, status: string): Promise<string> {
		return await within(
			(async () => {
				let seen = await statusOn(base, uid);
				while (seen !== status) seen = await statusOn(base, uid);
				return seen;
			})(),
			`${uid} ${status} on ${base}`,
		);
	}

	async function connectTo(base: string, uid: string): Promise<TestClient> {
		expect((await requestJSON(base, "POST", "/v3/users", rest(), { uid, name: uid })).status).toBe(200);
		const token = String(
			(await requestJSON(base, "POST", `/v3/users/${uid}/auth_tokens`, rest())).json.data?.authToken,
		);
		const me = await requestJSON(base, "PUT", "/v3.0/me", { appid: credentials.appId, authtoken: token }, {});
		const client = await openClient(base.replace(/^http/, "ws"));
		client.socket.send(authFrame(credentials.appId, uid, String(me.json.data?.jwt)));
		expect((await client.nextMessage()).body).toEqual({ code: "200", status: "OK" });
		return client;
	}

	test("a socket on one node makes its user online on the other, and offline when it closes", async () => {
		await beatA();
		const onB = await connectTo(baseB, "via-b");
		expect(await statusOn(nodeA.url, "via-b")).toBe("online");
		onB.socket.close();
		expect(await untilStatus(nodeA.url, "via-b", "offline")).toBe("offline");

		const onA = await connectTo(nodeA.url, "via-a");
		expect(await statusOn(baseB, "via-a")).toBe("online");
		const listed = await requestJSON(baseB, "GET", "/v3/users?status=available", rest());
		expect((listed.json.data as unknown as Array<{ uid: string }>).map((user) => user.uid)).toEqual(["via-a"]);
		onA.socket.close();
		expect(await untilStatus(baseB, "via-a", "offline")).toBe("offline");
	});

	test(`a killed node's users read offline once its last heartbeat is ${PRESENCE_STALE_AFTER_MS} ms old`, async () => {
		await connectTo(baseB, "doomed");
		await beatA();
		expect(await statusOn(nodeA.url, "doomed")).toBe("online");
		nodeB.child.kill("SIGKILL");
		await nodeB.exited;
		const killedAt = Date.now();
		// B's heartbeat (every 5 s) is at most a few seconds old: still counted at the moment of the kill.
		clock.ms = killedAt;
		expect(await statusOn(nodeA.url, "doomed")).toBe("online");
		// Its last heartbeat came before the kill, so one bound after the kill it no longer counts, cleanup or not.
		clock.ms = killedAt + PRESENCE_STALE_AFTER_MS + 1;
		expect(await statusOn(nodeA.url, "doomed")).toBe("offline");
		// A's next heartbeat prunes B: the row is gone and lastActiveAt is B's last heartbeat, before the kill.
		await nodeA.presence.beat();
		const after = (await requestJSON(nodeA.url, "GET", "/v3/users/doomed", rest())).json.data as unknown as {
			status: string;
			lastActiveAt: number;
		};
		expect(after.status).toBe("offline");
		expect(after.lastActiveAt).toBeLessThanOrEqual(toUnixSeconds(killedAt));
		const rows = await store.db.selectFrom("presence").select(["uid", "node_id"]).execute();
		expect(rows).toEqual([]);
	});
});
