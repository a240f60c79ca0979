import type { Kysely } from "kysely";

// Per-app security settings (issue 15: token expiry, Auth Key guardrails, production mode, token storage), one
// JSON object per app; null means every setting keeps its default (CometChat's behaviour).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema.alterTable("apps").addColumn("security", "text").execute();
}
