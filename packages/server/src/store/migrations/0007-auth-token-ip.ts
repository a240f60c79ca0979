import type { Kysely } from "kysely";

// Issue 15 ("my devices"): the client address of a token's last recorded use, written behind with `last_used_at`.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema.alterTable("auth_tokens").addColumn("last_used_ip", "varchar(64)").execute();
}
