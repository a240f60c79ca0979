import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { sql } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { openStore } from "../src/open-store.ts";
import { KyselyStore, type KyselyStoreOptions } from "../src/store/kysely-store.ts";
import { insertUser } from "../src/store/users.ts";
import { WriteQueue } from "../src/store/write-queue.ts";
import { T, token, user } from "./records.ts";
import { createTestSchema, DIALECTS, dropTestSchema, migrateTestStore } from "./stores.ts";

// Issue 11 item 4: writes are durable (synchronous=FULL on SQLite) and share commits (group commit).

interface FileStore {
	store: KyselyStore;
	/** Runs a query on a second connection, which sees committed rows only. */
	readElsewhere(query: string, parameters: unknown[]): Promise<unknown[]>;
	close(): Promise<void>;
}

/** A migrated store on a real file (SQLite) or its own schema (PostgreSQL), plus a second connection to it. */
async function openFileStore(dialect: "sqlite" | "postgres", options: KyselyStoreOptions = {}): Promise<FileStore> {
	if (dialect === "sqlite") {
		const dir = mkdtempSync(path.join(os.tmpdir(), "latchkey-group-commit-"));
		const filename = path.join(dir, "latchkey.db");
		const store = new KyselyStore({ kind: "sqlite", filename }, options);
		await store.migrate();
		const other = new Database(filename, { readonly: true });
		return {
			store,
			readElsewhere: async (query, parameters) => other.prepare(query).all(...parameters),
			close: async () => {
				other.close();
				await store.close();
				rmSync(dir, { recursive: true, force: true });
			},
		};
	}
	const url = process.env.DATABASE_URL as string;
	const schema = await createTestSchema(url);
	const store = new KyselyStore({ kind: "postgres", url, poolSize: 5, schema }, options);
	await migrateTestStore(store);
	const other = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
	await other.connect();
	return {
		store,
		readElsewhere: async (query, parameters) => {
			let n = 0;
			return (
				await other.query(
					query.replace(/\?/g, () => `$${++n}`),
					parameters,
				)
			).rows;
		},
		close: async () => {
			await other.end();
			await store.close();
			await dropTestSchema(url, schema);
		},
	};
}

describe.each(DIALECTS)("writes on %s", (dialect) => {
	let db: FileStore;
	beforeEach(async () => {
		db = await openFileStore(dialect);
		await db.store.insertApp({ id: "app1", name: "App", region: "eu", jwtSecret: "s", createdAt: T }, [], []);
	});
	afterEach(async () => {
		await db.close();
	});

	test("a failing write rejects alone; the writes issued in the same tick commit", async () => {
		const results = await Promise.allSettled([
			db.store.insertUser(user("app1", "u1")),
			// Atomic: the app row is inserted before the duplicate user fails, and must roll back with it.
			db.store.insertApp(
				{ id: "app2", name: "B", region: "eu", jwtSecret: "s", createdAt: T },
				[],
				[
					{ ...user("app1", "dup"), appId: "app2" },
					{ ...user("app1", "dup"), appId: "app2" },
				],
			),
			db.store.insertUser(user("app1", "u2")),
		]);
		expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
		expect(await db.store.getUser("app1", "u1")).not.toBeNull();
		expect(await db.store.getUser("app1", "u2")).not.toBeNull();
		expect(await db.store.getApp("app2")).toBeNull();
		expect(await db.readElsewhere("select id from apps order by id", [])).toEqual([{ id: "app1" }]);
	});

	test("a write's promise resolves only once another connection sees its commit", async () => {
		const seen: unknown[][] = [];
		await Promise.all([
			db.store.insertUser(user("app1", "u1")).then(async () => {
				seen.push(await db.readElsewhere("select uid from users where uid = ?", ["u1"]));
			}),
			db.store.insertUser(user("app1", "u2")).then(async () => {
				seen.push(await db.readElsewhere("select uid from users where uid = ?", ["u2"]));
			}),
		]);
		await db.store.insertAuthToken(token("app1", "u1", "t1"), { maxPerUser: 100 });
		expect(await db.readElsewhere("select id from auth_tokens", [])).toEqual([{ id: "t1" }]);
		// A revocation is acknowledged only once it is stored.
		await db.store.deleteAuthToken("t1");
		expect(await db.readElsewhere("select id from auth_tokens", [])).toEqual([]);
		expect(seen).toEqual([[{ uid: "u1" }], [{ uid: "u2" }]]);
	});

	test("a refused setup claim batched with other writes rolls back alone: every link survives", async () => {
		await db.store.insertSetupToken({ id: "st1", secretHash: "h1", createdAt: T, expiresAt: T + 1000 });
		const operator = { id: "op1", email: "a@x.test", emailLower: "a@x.test", passwordHash: "p", createdAt: T };
		const [claimed, inserted] = await Promise.all([
			db.store.claimSetupToken("st1", "wrong", T + 1, operator),
			db.store.insertUser(user("app1", "u1")),
		]);
		expect({ claimed, inserted }).toEqual({ claimed: false, inserted: true });
		expect(await db.store.getSetupToken("st1")).not.toBeNull();
		expect(await db.store.countOperators()).toBe(0);
	});

	test("insertAuthToken below the cap evicts nothing; a lowered cap evicts every token beyond it", async () => {
		await db.store.insertUser(user("app1", "u1"));
		for (let i = 1; i <= 5; i++) {
			expect(
				await db.store.insertAuthToken(token("app1", "u1", `t${i}`, { createdAt: T + i }), { maxPerUser: 5 }),
			).toEqual([]);
		}
		const evicted = await db.store.insertAuthToken(token("app1", "u1", "t6", { createdAt: T + 6 }), { maxPerUser: 3 });
		expect(evicted?.sort()).toEqual(["t1", "t2", "t3"]);
		expect((await db.store.listAuthTokens("app1", "u1", { limit: 10, offset: 0 })).items.map((t) => t.id)).toEqual([
			"t6",
			"t5",
			"t4",
		]);
	});

	test("updateAuthToken answers the updated token, or the unchanged one for an empty patch", async () => {
		await db.store.insertUser(user("app1", "u1"));
		await db.store.insertAuthToken(token("app1", "u1", "t1"), { maxPerUser: 100 });
		expect(await db.store.updateAuthToken("t1", { platform: "ios", appInfo: { v: 1 } })).toEqual({
			...token("app1", "u1", "t1"),
			platform: "ios",
			appInfo: { v: 1 },
		});
		expect(await db.store.updateAuthToken("t1", {})).toMatchObject({ platform: "ios" });
		expect(await db.store.updateAuthToken("nope", { platform: "web" })).toBeNull();
		expect(await db.store.updateAuthToken("nope", {})).toBeNull();
	});
});

describe("group commit on SQLite", () => {
	let db: FileStore;
	let commits: number[];
	beforeEach(async () => {
		commits = [];
		db = await openFileStore("sqlite", { onCommit: (writeCount) => commits.push(writeCount) });
		await db.store.insertApp({ id: "app1", name: "App", region: "eu", jwtSecret: "s", createdAt: T }, [], []);
		await db.store.insertUser(user("app1", "u0"));
		commits = [];
	});
	afterEach(async () => {
		await db.close();
	});

	test("concurrent writes of one tick share one commit", async () => {
		await Promise.all([
			...Array.from({ length: 10 }, (_, i) => db.store.insertUser(user("app1", `u${i + 1}`))),
			...Array.from({ length: 10 }, (_, i) =>
				db.store.insertAuthToken(token("app1", "u0", `t${i}`), { maxPerUser: 100 }),
			),
		]);
		expect(commits).toEqual([20]);
		await db.store.touchAuthToken("t0", T + 1);
		expect(commits).toEqual([20, 1]);
	});

	test("a tick with more writes than one batch holds commits them all, in a few batches", async () => {
		const results = await Promise.all(
			Array.from({ length: 150 }, (_, i) => db.store.insertUser(user("app1", `u${i + 1}`))),
		);
		expect(results.every(Boolean)).toBe(true);
		expect(commits.reduce((sum, n) => sum + n, 0)).toBe(150);
		expect(commits.length).toBeGreaterThan(1);
		expect(commits.length).toBeLessThan(10);
		expect(
			(await db.store.listUsers("app1", { limit: 1, offset: 0, searchIn: [], deactivated: "include" })).total,
		).toBe(151);
	});

	test("a write issued while a batch commits goes into the next batch", async () => {
		let late: Promise<boolean> | undefined;
		await Promise.all([
			db.store.insertUser(user("app1", "u1")).then(() => {
				late = db.store.insertUser(user("app1", "late"));
			}),
			db.store.insertUser(user("app1", "u2")),
		]);
		expect(await late).toBe(true);
		expect(commits).toEqual([2, 1]);
	});

	test("a read issued mid-batch waits for the commit and never sees a rolled-back row", async () => {
		const queue = new WriteQueue(db.store.db);
		let resume = (): void => {};
		const paused = new Promise<void>((resolve) => {
			resume = resolve;
		});
		let reached = (): void => {};
		const inside = new Promise<void>((resolve) => {
			reached = resolve;
		});
		const failing = queue.run(async (trx) => {
			await insertUser(trx, user("app1", "ghost"));
			reached();
			await paused;
			throw new Error("refused");
		});
		const kept = queue.run((trx) => insertUser(trx, user("app1", "kept")));
		await inside;
		// "ghost" is in the database now, uncommitted; these reads are issued while the batch holds it.
		const ghost = db.store.getUser("app1", "ghost");
		const keptRead = db.store.getUser("app1", "kept");
		resume();
		await expect(failing).rejects.toThrow("refused");
		expect(await kept).toBe(true);
		expect(await ghost).toBeNull();
		expect(await keptRead).toMatchObject({ uid: "kept" });
	});

	test("close() commits the writes it has already accepted", async () => {
		const pending = db.store.insertUser(user("app1", "u1"));
		await db.store.close();
		expect(await pending).toBe(true);
		expect(await db.readElsewhere("select uid from users where uid = ?", ["u1"])).toEqual([{ uid: "u1" }]);
		// The fixture closes again; a second close of a destroyed Kysely is harmless.
	});
});

describe("SQLite durability setting", () => {
	let dataDir: string;
	beforeEach(() => {
		dataDir = mkdtempSync(path.join(os.tmpdir(), "latchkey-synchronous-"));
	});
	afterEach(() => {
		rmSync(dataDir, { recursive: true, force: true });
	});

	async function readSynchronous(env: Record<string, string>): Promise<number> {
		const store = await openStore(readConfig({ LATCHKEY_DATA_DIR: dataDir, ...env }, dataDir));
		try {
			const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
			return rows[0]?.synchronous ?? -1;
		} finally {
			await store.close();
		}
	}

	test("synchronous is FULL (2) by default and NORMAL (1) with LATCHKEY_SQLITE_SYNCHRONOUS=normal", async () => {
		expect(await readSynchronous({})).toBe(2);
		expect(await readSynchronous({ LATCHKEY_SQLITE_SYNCHRONOUS: "full" })).toBe(2);
		expect(await readSynchronous({ LATCHKEY_SQLITE_SYNCHRONOUS: "normal" })).toBe(1);
	});

	test("any other LATCHKEY_SQLITE_SYNCHRONOUS stops start-up with the variable's name", () => {
		expect(() => readConfig({ LATCHKEY_SQLITE_SYNCHRONOUS: "off" }, dataDir)).toThrow(
			'LATCHKEY_SQLITE_SYNCHRONOUS must be one of full, normal, got "off"',
		);
	});
});
