import type { Kysely } from "kysely";

// Rate-limit counters shared by the nodes of a PostgreSQL deployment (web/rate-limits.ts): one row per key and
// window, in the layout rate-limiter-flexible's RateLimiterPostgres reads and writes. A single SQLite node counts
// in memory and leaves the table empty.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable("rate_limits")
		.addColumn("key", "varchar(255)", (c) => c.primaryKey())
		.addColumn("points", "integer", (c) => c.notNull().defaultTo(0))
		.addColumn("expire", "bigint")
		.execute();
}
