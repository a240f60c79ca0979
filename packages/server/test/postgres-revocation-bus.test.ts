import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import type { Revocation } from "../src/domain/revocations.ts";
import { createPostgresRevocationBus, sliceRevocation } from "../src/realtime/postgres-revocation-bus.ts";
import type { RevocationBus } from "../src/realtime/revocation-bus.ts";

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

const revocation: Revocation = { appId: "app1", tokenIds: ["lkat_a", "lkat_b"], reason: "revoked" };

test("sliceRevocation() keeps small revocations whole and splits big token lists under the payload limit", () => {
	expect(sliceRevocation(revocation)).toEqual([revocation]);
	const tokenIds = Array.from({ length: 1000 }, (_, i) => `lkat_${String(i).padStart(20, "0")}`);
	const slices = sliceRevocation({ appId: "app1", tokenIds, reason: "revoked" }, 7000);
	expect(slices.length).toBeGreaterThan(1);
	expect(slices.flatMap((slice) => slice.tokenIds)).toEqual(tokenIds);
	for (const slice of slices) expect(Buffer.byteLength(JSON.stringify(slice))).toBeLessThanOrEqual(7000);
});

describe.skipIf(!url)("PostgreSQL revocation bus (DATABASE_URL)", () => {
	const buses: RevocationBus[] = [];
	afterEach(async () => {
		await Promise.all(buses.splice(0).map((bus) => bus.close()));
	});

	test("a revocation published on one node reaches the other node's subscribers, and the publisher's once", async () => {
		const a = await createPostgresRevocationBus({ url: url as string });
		const b = await createPostgresRevocationBus({ url: url as string });
		buses.push(a, b);
		const seenByA: Revocation[] = [];
		a.subscribe((r) => void seenByA.push(r));
		const arrived = nextValue<Revocation>((push) => b.subscribe(push));
		await a.publish(revocation);
		expect(await arrived).toEqual(revocation);
		// A's own NOTIFY echo is dropped: a later, distinct revocation arrives at A exactly once too.
		const second: Revocation = { appId: "app1", tokenIds: [], uid: "bob", reason: "user_deleted" };
		const arrivedAtB = nextValue<Revocation>((push) => b.subscribe(push));
		await a.publish(second);
		expect(await arrivedAtB).toEqual(second);
		expect(seenByA).toEqual([revocation, second]);
	});

	test("after its listening connection is killed, the bus reconnects, calls onReconnect and receives again", async () => {
		let reconnected: () => void = () => {};
		const reconnect = new Promise<void>((resolve) => {
			reconnected = resolve;
		});
		const b = await createPostgresRevocationBus({
			url: url as string,
			onReconnect: () => reconnected(),
			onError: () => {},
		});
		const a = await createPostgresRevocationBus({ url: url as string });
		buses.push(a, b);
		const admin = new pg.Client({ connectionString: url });
		await admin.connect();
		await admin.query(
			"select pg_terminate_backend(pid) from pg_stat_activity where query = 'LISTEN latchkey_revocations' and pid <> pg_backend_pid()",
		);
		await admin.end();
		await reconnect;
		const arrived = nextValue<Revocation>((push) => b.subscribe(push));
		await a.publish(revocation);
		expect(await arrived).toEqual(revocation);
	});
});
