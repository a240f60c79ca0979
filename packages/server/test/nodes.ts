import pino from "pino";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import type { EventBus } from "../src/events/bus.ts";
import { noEvents } from "../src/events/bus.ts";
import { createPostgresEventBus } from "../src/events/postgres-bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { openTestStore } from "./stores.ts";

// In-process server nodes for the tests that need real HTTP (and sockets): a call helper, and a pair of nodes on
// one PostgreSQL schema with the PostgreSQL event bus between them, as two machines of one deployment would be.

export interface NodeAnswer {
	status: number;
	body: Record<string, unknown>;
}

/** One JSON request to a node, as the app `appId`. */
export async function callNode(
	node: Pick<RunningServer, "url">,
	appId: string,
	method: string,
	path: string,
	headers: Record<string, string>,
	body?: unknown,
): Promise<NodeAnswer> {
	const res = await fetch(`${node.url}${path}`, {
		method,
		headers: { appid: appId, "content-type": "application/json", ...headers },
		...(body !== undefined && { body: JSON.stringify(body) }),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface NodePair {
	store: KyselyStore;
	seed: CreatedApp;
	/** Both nodes' clock. */
	clock: ManualClock;
	a: RunningServer;
	b: RunningServer;
	/** Closes both nodes, their buses and the store (and its schema). */
	close(): Promise<void>;
}

/** Two nodes on a fresh PostgreSQL schema with one seeded app, one clock and the PostgreSQL bus. */
export async function startPostgresPair(url: string): Promise<NodePair> {
	const store = await openTestStore("postgres");
	const clock = new ManualClock();
	const seed = await createLatchkeyApp({ store, clock, events: noEvents }, { name: "Pair" });
	const buses: EventBus[] = [];
	const nodes: RunningServer[] = [];
	const close = async (): Promise<void> => {
		for (const node of nodes) await node.close();
		for (const bus of buses) await bus.close();
		await store.close();
	};
	try {
		for (let i = 0; i < 2; i++) {
			const bus = await createPostgresEventBus({ url });
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
	} catch (error) {
		await close();
		throw error;
	}
	return { store, seed, clock, a: nodes[0] as RunningServer, b: nodes[1] as RunningServer, close };
}
