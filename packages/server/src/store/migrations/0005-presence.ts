import type { Kysely } from "kysely";

// Issue 14. Presence: a row per (user, node) while the node holds at least one authenticated socket of the user,
// and a row per node with its last heartbeat; a user is online while some row of theirs belongs to a node whose
// heartbeat is recent (domain/presence.ts), so a crashed node's sockets stop counting without anyone cleaning up.
// Apps get their client-visible user fields (null: the default, domain/client-user-fields.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema.alterTable("apps").addColumn("client_user_fields", "text").execute();

	await db.schema
		.createTable("presence_nodes")
		.addColumn("node_id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("heartbeat_at", "bigint", (c) => c.notNull())
		.execute();

	await db.schema
		.createTable("presence")
		.addColumn("app_id", "varchar(64)", (c) => c.notNull())
		.addColumn("uid", "varchar(100)", (c) => c.notNull())
		.addColumn("node_id", "varchar(64)", (c) => c.notNull())
		.addColumn("connected_at", "bigint", (c) => c.notNull())
		.addPrimaryKeyConstraint("presence_pk", ["app_id", "uid", "node_id"])
		.execute();
	await db.schema.createIndex("presence_node_idx").on("presence").columns(["node_id"]).execute();
}
