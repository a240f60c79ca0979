import type { Kysely } from "kysely";

// Issue 15 (key expiry and rotation): when a key stops working (null: never), and its last recorded use (written
// behind, like an auth token's).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema.alterTable("api_keys").addColumn("expires_at", "bigint").execute();
	await db.schema.alterTable("api_keys").addColumn("last_used_at", "bigint").execute();
}
