import type { Kysely } from "kysely";

// Issue 16. The audit log: one append-only row per recorded event (src/audit/). Rows are never updated; only the
// retention job deletes them, oldest first. Every query is one app's rows newest first, optionally of one type or of
// one user, so each index leads with app_id and ends with (created_at, id), the cursor's order.
//
// Every index is written by every login (two events each) and read only by an operator, so there are two: the app's
// rows, and one user's rows ("who logged in as alice?"). A `type` filter walks the app's rows newest first until
// the page is full: quick for the common types, a longer walk for a rare one. An index on (app_id, type) cost an
// Auth Key login about 30 µs of its 200 (docs/performance.md).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable("audit_log")
		.addColumn("id", "varchar(40)", (c) => c.primaryKey())
		.addColumn("app_id", "varchar(64)", (c) => c.notNull())
		.addColumn("type", "varchar(40)", (c) => c.notNull())
		.addColumn("actor_kind", "varchar(16)", (c) => c.notNull())
		.addColumn("actor_id", "varchar(200)")
		.addColumn("subject", "varchar(200)")
		// The user the event concerns (user.*, token.*, login.*), for the `uid` filter; null for the others.
		.addColumn("uid", "varchar(100)")
		.addColumn("ip", "varchar(64)")
		.addColumn("user_agent", "varchar(255)")
		.addColumn("details", "text", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.execute();
	await db.schema.createIndex("audit_log_app_idx").on("audit_log").columns(["app_id", "created_at", "id"]).execute();
	await db.schema
		.createIndex("audit_log_app_uid_idx")
		.on("audit_log")
		.columns(["app_id", "uid", "created_at", "id"])
		.execute();
	// The retention job deletes by id, which starts with the event's time (audit/recorder.ts firstEventIdAt): no index
	// on created_at, one B-tree fewer to write per event.
}
