import type { Kysely } from "kysely";

// Webhooks (issue 16): an app's endpoints, and the outbox of deliveries to them. A delivery row is written in the
// same transaction as the audit row of its event, so a crash between that commit and the POST loses nothing; the
// worker (webhooks/worker.ts) claims due rows with a lease (`locked_until`, `locked_by`) so that on several nodes
// each delivery is sent by one. `secret` is the signing secret, sealed under LATCHKEY_TOKEN_ENCRYPTION_KEY when the
// server has one (`v1.…`), as is otherwise. Both tables go with their app.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable("webhooks")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("app_id", "varchar(64)", (c) => c.notNull().references("apps.id").onDelete("cascade"))
		.addColumn("url", "text", (c) => c.notNull())
		.addColumn("events", "text", (c) => c.notNull())
		.addColumn("description", "text")
		.addColumn("secret", "text", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addColumn("updated_at", "bigint")
		.execute();
	await db.schema.createIndex("webhooks_app_idx").on("webhooks").columns(["app_id", "created_at"]).execute();

	await db.schema
		.createTable("webhook_deliveries")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("webhook_id", "varchar(64)", (c) => c.notNull().references("webhooks.id").onDelete("cascade"))
		.addColumn("app_id", "varchar(64)", (c) => c.notNull())
		.addColumn("event_type", "varchar(64)", (c) => c.notNull())
		.addColumn("event", "text", (c) => c.notNull())
		.addColumn("status", "varchar(16)", (c) => c.notNull())
		.addColumn("attempts", "integer", (c) => c.notNull())
		.addColumn("last_response_code", "integer")
		.addColumn("last_attempt_at", "bigint")
		.addColumn("next_attempt_at", "bigint")
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addColumn("locked_until", "bigint")
		.addColumn("locked_by", "varchar(64)")
		.execute();
	// The worker's claim: pending rows by due time.
	await db.schema
		.createIndex("webhook_deliveries_due_idx")
		.on("webhook_deliveries")
		.columns(["status", "next_attempt_at"])
		.execute();
	// The deliveries route: a webhook's rows, newest first.
	await db.schema
		.createIndex("webhook_deliveries_webhook_idx")
		.on("webhook_deliveries")
		.columns(["webhook_id", "created_at"])
		.execute();
}
