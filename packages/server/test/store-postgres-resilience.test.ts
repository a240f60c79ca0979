import { sql } from "kysely";
import pg from "pg";
import { describe, expect, test } from "vitest";
import { openTestStore } from "./stores.ts";

const url = process.env.DATABASE_URL;

describe.skipIf(!url)("the PostgreSQL store when the server ends its connections", () => {
	test("an idle pooled connection killed by PostgreSQL neither crashes the process nor breaks the next query", async () => {
		const store = await openTestStore("postgres");
		try {
			// Mark this store's (only) idle connection so no other test's connections are touched.
			const marker = `resilience_${Date.now()}_${Math.random().toString(36).slice(2)}`;
			await sql.raw(`select 1 as ${marker}`).execute(store.db);
			const admin = new pg.Client({ connectionString: url });
			await admin.connect();
			const killed = await admin.query(
				"select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and query like $1",
				[`%${marker}%`],
			);
			await admin.end();
			expect(killed.rowCount).toBeGreaterThan(0);
			// Without an error listener on the pool, the terminated idle client's 'error' event ends the process.
			const failure = await store.listApps().then(
				() => null,
				(error: unknown) => error,
			);
			// The first query may land on the dead client before the pool notices; the one after must work.
			if (failure) expect(await store.listApps()).toEqual([]);
			expect(await store.listApps()).toEqual([]);
		} finally {
			await store.close();
		}
	});
});
