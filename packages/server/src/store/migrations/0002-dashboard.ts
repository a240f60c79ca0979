import type { Kysely } from "kysely";

// The admin console's tables. Same type choices as 0001: bigint millisecond timestamps, integer flags.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable("operators")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("email", "varchar(320)", (c) => c.notNull())
		.addColumn("email_lower", "varchar(320)", (c) => c.notNull().unique())
		.addColumn("password_hash", "varchar(255)", (c) => c.notNull())
		// 1 for the operator created by the one-time setup link, null otherwise. Unique, so two setup links
		// used at the same moment on two nodes cannot both create a first operator.
		.addColumn("setup_claim", "integer", (c) => c.unique())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.execute();

	await db.schema
		.createTable("operator_sessions")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("operator_id", "varchar(64)", (c) => c.notNull().references("operators.id").onDelete("cascade"))
		.addColumn("secret_hash", "varchar(64)", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addColumn("last_seen_at", "bigint", (c) => c.notNull())
		.execute();
	await db.schema.createIndex("operator_sessions_created_idx").on("operator_sessions").column("created_at").execute();

	await db.schema
		.createTable("setup_tokens")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("secret_hash", "varchar(64)", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addColumn("expires_at", "bigint", (c) => c.notNull())
		.execute();

	await db.schema
		.createTable("login_failures")
		.addColumn("email_lower", "varchar(320)", (c) => c.notNull())
		.addColumn("failed_at", "bigint", (c) => c.notNull())
		.execute();
	await db.schema
		.createIndex("login_failures_email_idx")
		.on("login_failures")
		.columns(["email_lower", "failed_at"])
		.execute();
}
