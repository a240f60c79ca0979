import type { Kysely } from "kysely";

// Dashboard one-time flashes (issue 17): a minted token or a new key waits here, sealed, for the page the
// redirect after the POST lands on. In the database rather than in memory, so any node can serve that page.
// Rows go with their operator session, are deleted when read, and live minutes (expired ones are pruned on insert).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable("dashboard_flashes")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("session_id", "varchar(64)", (c) => c.notNull().references("operator_sessions.id").onDelete("cascade"))
		// AES-256-GCM under a key derived from the session's CSRF token, which is never stored: the row alone
		// reveals nothing.
		.addColumn("sealed", "text", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addColumn("expires_at", "bigint", (c) => c.notNull())
		.execute();
	await db.schema.createIndex("dashboard_flashes_expires_idx").on("dashboard_flashes").column("expires_at").execute();
}
