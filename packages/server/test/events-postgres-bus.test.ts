import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import type { EventBus } from "../src/events/bus.ts";
import type { BusEvent, ChangeEvent } from "../src/events/change-event.ts";
import { createPostgresEventBus, packEvents, sliceEvent } from "../src/events/postgres-bus.ts";

const url = process.env.DATABASE_URL;

/** Resolves with the next value pushed by `subscribe`, or rejects after `ms` (a bound, not a sleep). */
function nextValue<T>(subscribe: (push: (value: T) => void) => void, ms = 5000): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`nothing arrived within ${ms} ms`)), ms);
		subscribe((value) => {
			clearTimeout(timer);
			resolve(value);
		});
	});
}

const revocation: ChangeEvent = {
	type: "token.revoked",
	appId: "app1",
	tokenIds: ["lkat_a", "lkat_b"],
	reason: "revoked",
};

test("sliceEvent() keeps small revocations whole and splits big token lists under the payload limit", () => {
	expect(sliceEvent(revocation)).toEqual([revocation]);
	const tokenIds = Array.from({ length: 1000 }, (_, i) => `lkat_${String(i).padStart(20, "0")}`);
	const slices = sliceEvent({ type: "token.revoked", appId: "app1", tokenIds, reason: "revoked" }, 7000);
	expect(slices.length).toBeGreaterThan(1);
	expect(slices.flatMap((slice) => (slice.type === "token.revoked" ? slice.tokenIds : []))).toEqual(tokenIds);
	for (const slice of slices) expect(Buffer.byteLength(JSON.stringify(slice))).toBeLessThanOrEqual(7000);
});

test("packEvents() puts a tick's events in as few payloads as fit, in order, each under the limit", () => {
	const events: ChangeEvent[] = Array.from({ length: 300 }, (_, i) => ({
		type: "token.created",
		appId: "app1",
		uid: `user${i}`,
		tokenId: `lkat_${String(i).padStart(20, "0")}`,
	}));
	const payloads = packEvents("node1", events, 7000);
	expect(payloads.length).toBeGreaterThan(1);
	expect(payloads.length).toBeLessThan(10);
	const unpacked = payloads.flatMap((payload) => {
		expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(7000);
		const envelope = JSON.parse(payload) as { node: string; events: ChangeEvent[] };
		expect(envelope.node).toBe("node1");
		return envelope.events;
	});
	expect(unpacked).toEqual(events);
	expect(packEvents("node1", [])).toEqual([]);
});

describe.skipIf(!url)("PostgreSQL event bus (DATABASE_URL)", () => {
	const buses: EventBus[] = [];
	afterEach(async () => {
		await Promise.all(buses.splice(0).map((bus) => bus.close()));
	});

	test("an event published on one node reaches the other node's subscribers, and the publisher's once", async () => {
		const a = await createPostgresEventBus({ url: url as string });
		const b = await createPostgresEventBus({ url: url as string });
		buses.push(a, b);
		const seenByA: BusEvent[] = [];
		a.subscribe((event) => void seenByA.push(event));
		const arrived = nextValue<BusEvent>((push) => b.subscribe(push));
		await a.publish(revocation);
		expect(await arrived).toEqual(revocation);
		// A's own NOTIFY echo is dropped: a later, distinct event arrives at A exactly once too.
		const second: ChangeEvent = { type: "user.deleted", appId: "app1", uid: "bob" };
		const arrivedAtB = nextValue<BusEvent>((push) => b.subscribe(push));
		await a.publish(second);
		expect(await arrivedAtB).toEqual(second);
		expect(seenByA).toEqual([revocation, second]);
	});

	test("events published in one tick arrive at the other node in order", async () => {
		const a = await createPostgresEventBus({ url: url as string });
		const b = await createPostgresEventBus({ url: url as string });
		buses.push(a, b);
		const events: ChangeEvent[] = Array.from({ length: 50 }, (_, i) => ({
			type: "user.updated",
			appId: "app1",
			uid: `user${i}`,
		}));
		const seen: BusEvent[] = [];
		const all = new Promise<void>((resolve) => {
			b.subscribe((event) => {
				seen.push(event);
				if (seen.length === events.length) resolve();
			});
		});
		await Promise.all(events.map((event) => a.publish(event)));
		await all;
		expect(seen).toEqual(events);
	});

	test("while its listening connection is down the bus is not live; it comes back with a resync first", async () => {
		let reconnected: () => void = () => {};
		const reconnect = new Promise<void>((resolve) => {
			reconnected = resolve;
		});
		const b = await createPostgresEventBus({
			url: url as string,
			onReconnect: () => reconnected(),
			onError: () => {},
		});
		const a = await createPostgresEventBus({ url: url as string });
		buses.push(a, b);
		expect(b.isLive()).toBe(true);
		const seen: Array<{ event: BusEvent; live: boolean }> = [];
		b.subscribe((event) => void seen.push({ event, live: b.isLive() }));
		const lost = new Promise<void>((resolve) => {
			const check = (): void => (b.isLive() ? void setImmediate(check) : resolve());
			check();
		});
		const admin = new pg.Client({ connectionString: url });
		await admin.connect();
		await admin.query(
			"select pg_terminate_backend(pid) from pg_stat_activity where query = 'LISTEN latchkey_events' and pid <> pg_backend_pid()",
		);
		await admin.end();
		await lost;
		expect(b.isLive()).toBe(false);
		await reconnect;
		expect(b.isLive()).toBe(true);
		// The resync was delivered while the bus still said "not live": no cache refilled before it was emptied.
		expect(seen).toEqual([{ event: { type: "resync" }, live: false }]);
		const arrived = nextValue<BusEvent>((push) => b.subscribe(push));
		await a.publish(revocation);
		expect(await arrived).toEqual(revocation);
	});

	test("a listener that stops hearing its own heartbeat is treated as lost: not live, then a resync", async () => {
		const clients: pg.Client[] = [];
		const errors: unknown[] = [];
		let reconnected: () => void = () => {};
		const reconnect = new Promise<void>((resolve) => {
			reconnected = resolve;
		});
		const b = await createPostgresEventBus({
			url: url as string,
			heartbeatIntervalMs: 50,
			onListening: (client) => clients.push(client),
			onReconnect: () => reconnected(),
			onError: (error) => errors.push(error),
		});
		buses.push(b);
		const seen: Array<{ event: BusEvent; live: boolean }> = [];
		b.subscribe((event) => void seen.push({ event, live: b.isLive() }));
		// The connection stays open but nothing it receives is read any more: a silent, half-dead channel.
		const stalled = clients[0] as unknown as { connection: { stream: { pause(): void } } };
		stalled.connection.stream.pause();
		await reconnect;
		expect(seen).toEqual([{ event: { type: "resync" }, live: false }]);
		expect(clients).toHaveLength(2);
		expect(b.isLive()).toBe(true);
		expect(errors).toContainEqual(new Error("event bus: the listening connection stopped hearing its own heartbeat"));
	});
});
