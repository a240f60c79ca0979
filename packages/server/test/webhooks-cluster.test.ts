import pino from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { createAuditRecorder, SYSTEM_CONTEXT } from "../src/audit/recorder.ts";
import { readConfig } from "../src/config.ts";
import { createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { createWebhookOutboxHook } from "../src/webhooks/outbox.ts";
import { createWebhook } from "../src/webhooks/webhooks.ts";
import { ManualClock } from "./harness.ts";
import { createTestSchema, dropTestSchema, migrateTestStore } from "./stores.ts";
import { type Receiver, startReceiver } from "./webhooks-support.ts";

// Issue 16: on several nodes each delivery is sent by exactly one. Two server nodes, each with its own connection
// pool on one PostgreSQL schema (as two machines would be), claim the same outbox at the same moment.

const url = process.env.DATABASE_URL;
const EVENTS = 120;

describe.skipIf(!url)("two PostgreSQL nodes", () => {
	const cleanups: Array<() => Promise<void>> = [];
	let receiver: Receiver | null = null;
	afterEach(async () => {
		await receiver?.close();
		receiver = null;
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
	});

	test(`deliver each of ${EVENTS} events exactly once, both claiming at once`, async () => {
		const schema = await createTestSchema(url as string);
		cleanups.push(() => dropTestSchema(url as string, schema));
		const stores = [0, 1].map(() => new KyselyStore({ kind: "postgres", url: url as string, poolSize: 5, schema }));
		for (const store of stores) cleanups.push(() => store.close());
		await migrateTestStore(stores[0] as KyselyStore);
		const clock = new ManualClock();
		const logger = pino({ level: "silent" });
		const seed = await createLatchkeyApp(
			{ store: stores[0] as KyselyStore, clock, events: noEvents },
			{ name: "Pair" },
		);
		// How many attempts each node recorded.
		const recorded = [0, 0];
		stores.forEach((store, i) => {
			const settle = store.settleWebhookDelivery.bind(store);
			store.settleWebhookDelivery = async (id, nodeId, outcome) => {
				const held = await settle(id, nodeId, outcome);
				if (held) recorded[i] = (recorded[i] ?? 0) + 1;
				return held;
			};
		});
		const nodes: RunningServer[] = [];
		for (const store of stores) {
			const node = await startServer({
				config: readConfig(
					{ PORT: "0", LATCHKEY_LOG_LEVEL: "silent", LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "1" },
					process.cwd(),
				),
				store,
				clock,
				logger,
				realtime: { heartbeatIntervalMs: 0, reconcileIntervalMs: 0 },
				presence: { heartbeatIntervalMs: 0 },
				// Polls off: the test drives both workers, so that they claim at the same moments.
				webhooks: { pollIntervalMs: 0 },
			});
			nodes.push(node);
			cleanups.push(() => node.close());
		}
		// Nor does a commit wake them: the outbox hook without a wake-up.
		for (const store of stores) store.setOnAuditRows(createWebhookOutboxHook());
		receiver = await startReceiver(() => 200);
		const deps = { store: stores[0] as KyselyStore, clock, events: noEvents };
		const { webhook } = await createWebhook(
			deps,
			seed.app.id,
			{ url: receiver.url, events: ["user.created"] },
			{ allowPrivate: true },
		);
		// Events recorded on both nodes, each through its own store (whose hook fills the outbox).
		for (let i = 0; i < EVENTS; i++) {
			const store = stores[i % 2] as KyselyStore;
			const audit = createAuditRecorder(store, SYSTEM_CONTEXT, { clock, onError: () => {} });
			await audit.record({ type: "user.created", appId: seed.app.id, subject: `u${i}`, details: { uid: `u${i}` } });
		}
		// Each worker goes on claiming after each attempt it finishes; runOnce() on both starts them at one moment.
		for (let round = 0; round < 50 && receiver.requests.length < EVENTS; round++) {
			await Promise.all(nodes.map((node) => node.webhooks.runOnce()));
		}
		await receiver.waitForRequests(EVENTS);
		// The receiver can hold the last request before its sender has recorded the answer: close() would cut that
		// attempt and give it back unrecorded. Wait for every attempt in flight to be recorded first.
		await Promise.all(nodes.map((node) => node.webhooks.drain()));
		for (const node of nodes) await node.webhooks.close();
		const [sentByA, sentByB] = recorded;
		const ids = receiver.requests.map((request) => String(request.headers["latchkey-webhook-id"]));
		expect(ids).toHaveLength(EVENTS);
		expect(new Set(ids).size).toBe(EVENTS);
		const bodies = receiver.requests.map((request) => (JSON.parse(request.body) as { subject: string }).subject);
		expect(new Set(bodies).size).toBe(EVENTS);
		expect((sentByA ?? 0) + (sentByB ?? 0)).toBe(EVENTS);
		// Both took part: each claimed a share while the other was claiming too.
		expect(sentByA).toBeGreaterThan(0);
		expect(sentByB).toBeGreaterThan(0);
		const rows = await (stores[1] as KyselyStore).listWebhookDeliveries(seed.app.id, webhook.id, {
			limit: 1000,
			offset: 0,
		});
		expect(rows.total).toBe(EVENTS);
		expect(rows.items.every((row) => row.status === "delivered" && row.attempts === 1)).toBe(true);
	});
});
