import { afterEach, describe, expect, test } from "vitest";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import type { OperatorRecord } from "../src/store/store.ts";
import { DIALECTS, openTestStore } from "./stores.ts";

function operator(id: string, email: string): OperatorRecord {
	return { id, email, emailLower: email.toLowerCase(), passwordHash: "fake:x", createdAt: 1_000 };
}

describe.each(DIALECTS)("dashboard store (%s)", (dialect) => {
	let store: KyselyStore;
	afterEach(async () => {
		await store.close();
	});

	test("operators: unique by lower-cased email", async () => {
		store = await openTestStore(dialect);
		expect(await store.countOperators()).toBe(0);
		expect(await store.insertOperator(operator("op_1", "Ann@X.test"))).toBe(true);
		expect(await store.insertOperator(operator("op_2", "ann@x.TEST"))).toBe(false);
		expect(await store.countOperators()).toBe(1);
		expect(await store.getOperatorByEmail("ann@x.test")).toEqual(operator("op_1", "Ann@X.test"));
		expect(await store.getOperatorByEmail("bob@x.test")).toBeNull();
	});

	test("a wrong guess does not use up the real link", async () => {
		store = await openTestStore(dialect);
		await store.insertSetupToken({ id: "lkst_a", secretHash: "h1", createdAt: 0, expiresAt: 100 });
		expect(await store.claimSetupToken("lkst_x", "h9", 10, operator("op_1", "a@x.test"))).toBe(false);
		expect(await store.claimSetupToken("lkst_a", "h9", 10, operator("op_1", "a@x.test"))).toBe(false);
		expect(await store.getSetupToken("lkst_a")).not.toBeNull();
		expect(await store.claimSetupToken("lkst_a", "h1", 10, operator("op_1", "a@x.test"))).toBe(true);
	});

	test("a setup token is claimed once, and never once an operator exists", async () => {
		store = await openTestStore(dialect);
		await store.insertSetupToken({ id: "lkst_a", secretHash: "h1", createdAt: 0, expiresAt: 100 });
		await store.insertSetupToken({ id: "lkst_b", secretHash: "h2", createdAt: 0, expiresAt: 100 });
		expect(await store.claimSetupToken("lkst_a", "wrong", 10, operator("op_1", "a@x.test"))).toBe(false);
		expect(await store.claimSetupToken("lkst_a", "h1", 100, operator("op_1", "a@x.test"))).toBe(false);
		expect(await store.claimSetupToken("lkst_a", "h1", 10, operator("op_1", "a@x.test"))).toBe(true);
		expect(await store.claimSetupToken("lkst_a", "h1", 10, operator("op_2", "b@x.test"))).toBe(false);
		expect(await store.getSetupToken("lkst_b")).toBeNull();
		expect(await store.countOperators()).toBe(1);
	});

	test("two setup links used at once create one operator", async () => {
		store = await openTestStore(dialect);
		for (let round = 0; round < 5; round++) {
			await store.insertSetupToken({ id: `lkst_a${round}`, secretHash: "h1", createdAt: 0, expiresAt: 100 });
			await store.insertSetupToken({ id: `lkst_b${round}`, secretHash: "h2", createdAt: 0, expiresAt: 100 });
		}
		for (let round = 0; round < 5; round++) {
			const results = await Promise.all([
				store.claimSetupToken(`lkst_a${round}`, "h1", 10, operator(`op_a${round}`, `a${round}@x.test`)),
				store.claimSetupToken(`lkst_b${round}`, "h2", 10, operator(`op_b${round}`, `b${round}@x.test`)),
				store.claimSetupToken(`lkst_a${round}`, "h1", 10, operator(`op_c${round}`, `c${round}@x.test`)),
			]);
			expect(results.filter(Boolean)).toEqual(round === 0 ? [true] : []);
		}
		expect(await store.countOperators()).toBe(1);
	});

	test("inserting a setup token drops expired ones", async () => {
		store = await openTestStore(dialect);
		await store.insertSetupToken({ id: "lkst_old", secretHash: "h", createdAt: 0, expiresAt: 50 });
		await store.insertSetupToken({ id: "lkst_new", secretHash: "h", createdAt: 60, expiresAt: 160 });
		expect(await store.getSetupToken("lkst_old")).toBeNull();
		expect(await store.getSetupToken("lkst_new")).toEqual({
			id: "lkst_new",
			secretHash: "h",
			createdAt: 60,
			expiresAt: 160,
		});
	});

	test("sessions: stored with their operator, touched, deleted, and pruned after the absolute limit", async () => {
		store = await openTestStore(dialect);
		await store.insertOperator(operator("op_1", "a@x.test"));
		const session = { id: "lkos_1", operatorId: "op_1", secretHash: "h", createdAt: 10, lastSeenAt: 10 };
		await store.insertOperatorSession(session, { pruneCreatedBefore: 0 });
		expect(await store.getOperatorSession("lkos_1")).toEqual({ session, operator: operator("op_1", "a@x.test") });
		await store.touchOperatorSession("lkos_1", 20);
		expect((await store.getOperatorSession("lkos_1"))?.session.lastSeenAt).toBe(20);
		await store.insertOperatorSession({ ...session, id: "lkos_2", createdAt: 30 }, { pruneCreatedBefore: 11 });
		expect(await store.getOperatorSession("lkos_1")).toBeNull();
		await store.deleteOperatorSession("lkos_2");
		expect(await store.getOperatorSession("lkos_2")).toBeNull();
	});

	test("sign-in counters: concurrent increments each see a distinct count", async () => {
		store = await openTestStore(dialect);
		const counts = await Promise.all(
			Array.from({ length: 40 }, () => store.incrementSignInCounter("k", 1_000, { windowMs: 100 })),
		);
		expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
	});

	test("sign-in counters: expired counters are pruned", async () => {
		store = await openTestStore(dialect);
		await store.incrementSignInCounter("old", 1_000, { windowMs: 100 });
		await store.incrementSignInCounter("new", 1_050, { windowMs: 100 });
		await store.incrementSignInCounter("new", 1_100, { windowMs: 100 });
		const keys = await store.db.selectFrom("sign_in_counters").select("key").execute();
		expect(keys).toEqual([{ key: "new" }]);
	});

	// Issue 12 item 9: PostgreSQL text cannot hold U+0000; these lookups answered 500 instead of "not found".
	test("a NUL in an email, a setup-token id or a session id is not found", async () => {
		store = await openTestStore(dialect);
		await store.insertOperator(operator("op_1", "a@x.test"));
		expect(await store.getOperatorByEmail("a@x.test\u0000")).toBeNull();
		expect(await store.getSetupToken("lkst_\u0000")).toBeNull();
		expect(await store.getOperatorSession("lkos_\u0000")).toBeNull();
		await store.touchOperatorSession("lkos_\u0000", 1);
		await store.deleteOperatorSession("lkos_\u0000");
	});
});
