import { afterEach, describe, expect, test } from "vitest";
import type { AuditEvent } from "../src/audit/audit-event.ts";
import { AUDIT_RETENTION_INTERVAL_MS, pruneAuditLog, startAuditRetention } from "../src/audit/retention.ts";
import { readConfig } from "../src/config.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { createTestSchema, DIALECTS, dropTestSchema, migrateTestStore, openTestStore } from "./stores.ts";

// Issue 16: the retention job is the only code that deletes audit rows; older than the configured days, in batches,
// harmless when two nodes run it at once.

const DAY_MS = 24 * 60 * 60 * 1000;
const stores: KyselyStore[] = [];
afterEach(async () => {
	for (const store of stores.splice(0)) await store.close();
});

function event(index: number, appId: string, createdAt: number): AuditEvent {
	return {
		id: `evt_${createdAt.toString(16).padStart(12, "0")}${index.toString(16).padStart(20, "0")}`,
		type: "login.succeeded",
		appId,
		actor: { kind: "system", id: null },
		subject: "alice",
		ip: null,
		userAgent: null,
		details: { uid: "alice" },
		createdAt,
	};
}

/** `count` events of two apps, all created at `createdAt`, inserted 500 to a write. */
async function insertEvents(store: KyselyStore, count: number, createdAt: number, offset = 0): Promise<void> {
	for (let start = 0; start < count; start += 500) {
		const batch = Array.from({ length: Math.min(500, count - start) }, (_, i) =>
			event(offset + start + i, (start + i) % 2 === 0 ? "app1" : "app2", createdAt),
		);
		await store.insertAuditEvents(batch);
	}
}

async function remainingTimes(store: KyselyStore): Promise<number[]> {
	const rows = await store.db.selectFrom("audit_log").select("created_at").execute();
	return rows.map((row) => Number(row.created_at)).sort((a, b) => a - b);
}

describe.each(DIALECTS)("audit retention on %s", (dialect) => {
	test("deletes every event older than the retention, in batches, and keeps the one at the boundary", async () => {
		const store = await openTestStore(dialect);
		stores.push(store);
		const clock = new ManualClock();
		const boundary = clock.now() - 90 * DAY_MS;
		await insertEvents(store, 2_501, boundary - 1);
		await store.insertAuditEvents([event(9_000, "app1", boundary), event(9_001, "app2", clock.now())]);
		expect(await pruneAuditLog(store, clock, 90)).toBe(2_501);
		expect(await remainingTimes(store)).toEqual([boundary, clock.now()]);
		// A day later the boundary event is past it too.
		clock.advance(DAY_MS);
		expect(await pruneAuditLog(store, clock, 90)).toBe(1);
		expect(await pruneAuditLog(store, clock, 90)).toBe(0);
	});

	test("the timer runs the job a minute after start, then hourly, until stopped", async () => {
		const store = await openTestStore(dialect);
		stores.push(store);
		const clock = new ManualClock();
		await insertEvents(store, 3, clock.now() - 8 * DAY_MS);
		const timers: Array<{ callback: () => void; ms: number; cancelled: boolean }> = [];
		const stop = startAuditRetention(store, clock, {
			retentionDays: 7,
			setTimer: (callback, ms) => {
				const timer = { callback, ms, cancelled: false };
				timers.push(timer);
				return () => {
					timer.cancelled = true;
				};
			},
			onError: (error) => {
				throw error;
			},
		});
		expect(timers.map((timer) => timer.ms)).toEqual([60_000]);
		timers[0]?.callback();
		await expect.poll(() => timers.length).toBe(2);
		expect(await remainingTimes(store)).toEqual([]);
		expect(timers[1]?.ms).toBe(AUDIT_RETENTION_INTERVAL_MS);
		stop();
		expect(timers[1]?.cancelled).toBe(true);
	});
});

test("LATCHKEY_AUDIT_RETENTION_DAYS: 90 by default, 1 to 36500 days, anything else stops start-up naming it", () => {
	expect(readConfig({}, "/tmp").auditRetentionDays).toBe(90);
	expect(readConfig({ LATCHKEY_AUDIT_RETENTION_DAYS: "30" }, "/tmp").auditRetentionDays).toBe(30);
	expect(() => readConfig({ LATCHKEY_AUDIT_RETENTION_DAYS: "0" }, "/tmp")).toThrow(
		"LATCHKEY_AUDIT_RETENTION_DAYS must be between 1 and 36500, got 0",
	);
	expect(() => readConfig({ LATCHKEY_AUDIT_RETENTION_DAYS: "a year" }, "/tmp")).toThrow(
		'LATCHKEY_AUDIT_RETENTION_DAYS must be a whole number, got "a year"',
	);
});

describe.runIf(process.env.DATABASE_URL)("audit retention on two PostgreSQL nodes", () => {
	test("two nodes pruning at once delete each old row once, between them, and fail neither", async () => {
		const url = process.env.DATABASE_URL as string;
		const schema = await createTestSchema(url);
		const nodeA = new KyselyStore({ kind: "postgres", url, poolSize: 3, schema });
		const nodeB = new KyselyStore({ kind: "postgres", url, poolSize: 3, schema });
		try {
			await migrateTestStore(nodeA);
			const clock = new ManualClock();
			await insertEvents(nodeA, 5_000, clock.now() - 91 * DAY_MS);
			await insertEvents(nodeA, 10, clock.now(), 5_000);
			const [a, b] = await Promise.all([pruneAuditLog(nodeA, clock, 90), pruneAuditLog(nodeB, clock, 90)]);
			expect(a + b).toBe(5_000);
			expect((await remainingTimes(nodeB)).length).toBe(10);
		} finally {
			await nodeA.close();
			await nodeB.close();
			await dropTestSchema(url, schema);
		}
	});
});
