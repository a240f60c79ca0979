import type { Kysely } from "kysely";

// Dashboard operator invites (issue 17): a one-time link, like the setup link, that lets one more person
// create an operator account. Only a SHA-256 of the link's secret is kept; using it deletes the row.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable("operator_invites")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("secret_hash", "varchar(64)", (c) => c.notNull())
		.addColumn("email", "varchar(320)", (c) => c.notNull())
		.addColumn("email_lower", "varchar(320)", (c) => c.notNull())
		// Who invited: kept as text, so removing that operator later does not take the invite with it.
		.addColumn("invited_by", "varchar(320)", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addColumn("expires_at", "bigint", (c) => c.notNull())
		.execute();
	await db.schema.createIndex("operator_invites_expires_idx").on("operator_invites").column("expires_at").execute();
	// The name an invited operator gives themselves; null for operators made before, by setup or the CLI.
	await db.schema.alterTable("operators").addColumn("name", "varchar(100)").execute();
}
