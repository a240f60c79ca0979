import pino from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import type { EventBus } from "../src/events/bus.ts";
import { noEvents } from "../src/events/bus.ts";
import { createPostgresEventBus } from "../src/events/postgres-bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { T0 } from "./helpers.ts";
import { authFrame, openClient, type TestClient } from "./realtime-client.ts";
import { openTestStore } from "./stores.ts";
import { WAIT_MS, within } from "./wait.ts";

// Issue 15: a rung of the revocation ladder or a /me/sessions ending served by node A is refused by node B (whose
// session cache held the token) and closes B's sockets of exactly those tokens with 4001. Two in-process nodes
// share one PostgreSQL schema and the PostgreSQL event bus; only the server-postgres project runs this.
const url = process.env.DATABASE_URL;
const ON_POSTGRES = process.env.LATCHKEY_TEST_DIALECT === "postgres" && url !== undefined;

describe.skipIf(!ON_POSTGRES)("revocations across two PostgreSQL nodes", () => {
	let store: KyselyStore;
	let seed: CreatedApp;
	let clock: ManualClock;
	const buses: EventBus[] = [];
	const nodes: RunningServer[] = [];

	afterEach(async () => {
		for (const node of nodes.splice(0)) await node.close();
		for (const bus of buses.splice(0)) await bus.close();
		await store.close();
	});

	async function startPair(): Promise<[RunningServer, RunningServer]> {
		store = await openTestStore("postgres");
		clock = new ManualClock();
		seed = await createLatchkeyApp({ store, clock, events: noEvents }, { name: "Pair" });
		for (let i = 0; i < 2; i++) {
			const bus = await createPostgresEventBus({ url: url as string });
			buses.push(bus);
			nodes.push(
				await startServer({
					config: readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent" }, process.cwd()),
					store,
					clock,
					logger: pino({ level: "silent" }),
					bus,
					realtime: { heartbeatIntervalMs: 0, reconcileIntervalMs: 0 },
				}),
			);
		}
		return [nodes[0] as RunningServer, nodes[1] as RunningServer];
	}

	async function call(
		node: RunningServer,
		method: string,
		path: string,
		headers: Record<string, string>,
		body?: unknown,
	) {
		const res = await fetch(`${node.url}${path}`, {
			method,
			headers: { appid: seed.app.id, "content-type": "application/json", ...headers },
			...(body !== undefined && { body: JSON.stringify(body) }),
		});
		return { status: res.status, body: (await res.json()) as Record<string, unknown> };
	}

	/** Logs in on `node` as the SDK does and opens an authenticated socket there. */
	async function device(node: RunningServer): Promise<{ token: string; client: TestClient }> {
		const minted = await call(node, "POST", "/v3/users/superhero1/auth_tokens", { apikey: seed.authKey }, {});
		const token = String((minted.body.data as { authToken: string }).authToken);
		const me = await call(node, "PUT", "/v3.0/me", { authtoken: token }, { platform: "WEB" });
		const jwt = String((me.body.data as { jwt: string }).jwt);
		const client = await openClient(node.url.replace(/^http/, "ws"));
		client.socket.send(authFrame(seed.app.id, "superhero1", jwt));
		expect(await client.nextMessage()).toMatchObject({ type: "auth", body: { code: "200", status: "OK" } });
		return { token, client };
	}

	const meStatus = async (node: RunningServer, token: string) =>
		(await call(node, "GET", "/v3.0/me", { authtoken: token })).status;

	/** The other node hears of a revocation through NOTIFY: bounded by WAIT_MS, never slept. */
	async function refusedOn(node: RunningServer, token: string): Promise<boolean> {
		const started = Date.now();
		while (Date.now() - started < WAIT_MS) if ((await meStatus(node, token)) === 401) return true;
		return false;
	}

	test("issuedBefore through node A: node B refuses the old token and closes its socket, keeps the newer one", async () => {
		const [a, b] = await startPair();
		const old = await device(b);
		clock.advance(10_000);
		const newer = await device(b);
		// Both sessions are in B's cache before the revocation.
		expect(await meStatus(b, old.token)).toBe(200);
		expect(await meStatus(b, newer.token)).toBe(200);

		const res = await call(
			a,
			"POST",
			"/v3/users/superhero1/auth_tokens/revoke",
			{ apikey: seed.restApiKey },
			{
				issuedBefore: T0 + 10,
			},
		);
		expect(res).toEqual({ status: 200, body: { data: { revoked: 1 } } });
		expect(await refusedOn(b, old.token)).toBe(true);
		expect(await within(old.client.closed, "old socket close")).toMatchObject({ code: 4001, reason: "revoked" });
		expect(await meStatus(b, newer.token)).toBe(200);
		expect(newer.client.isOpen()).toBe(true);
	});

	test('scope "others" through node A: node B refuses the other device and closes its socket', async () => {
		const [a, b] = await startPair();
		const caller = await device(a);
		const other = await device(b);
		expect(await meStatus(b, other.token)).toBe(200);

		const res = await call(a, "DELETE", "/v3.0/me/sessions", { authtoken: caller.token }, { scope: "others" });
		expect(res).toEqual({ status: 200, body: { data: { revoked: 1 } } });
		expect(await refusedOn(b, other.token)).toBe(true);
		expect(await within(other.client.closed, "other socket close")).toMatchObject({ code: 4001, reason: "logged_out" });
		expect(await meStatus(b, caller.token)).toBe(200);
	});
});
