import type { Kysely } from "kysely";

// Dashboard sign-in throttle (issue 12): one counter row per key (an account or a source address) instead of
// one row per failure, so a check is one atomic upsert and the table holds at most one row per key.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable("sign_in_counters")
		.addColumn("key", "varchar(100)", (c) => c.primaryKey())
		.addColumn("count", "integer", (c) => c.notNull())
		.addColumn("window_started_at", "bigint", (c) => c.notNull())
		.execute();
	await db.schema
		.createIndex("sign_in_counters_window_idx")
		.on("sign_in_counters")
		.column("window_started_at")
		.execute();
	await db.schema.dropTable("login_failures").execute();
}
