import type { Kysely } from "kysely";

// Column types are chosen to mean the same on SQLite and PostgreSQL: timestamps are bigint milliseconds,
// JSON is text, flags are integers. A shipped migration is never edited; add 0002-… instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable("apps")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("name", "varchar(100)", (c) => c.notNull())
		.addColumn("region", "varchar(16)", (c) => c.notNull())
		.addColumn("jwt_secret", "varchar(128)", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.execute();

	await db.schema
		.createTable("api_keys")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("app_id", "varchar(64)", (c) => c.notNull().references("apps.id").onDelete("cascade"))
		.addColumn("name", "varchar(100)", (c) => c.notNull())
		.addColumn("scope", "varchar(16)", (c) => c.notNull())
		.addColumn("secret_hash", "varchar(64)", (c) => c.notNull())
		.addColumn("created_by", "varchar(32)")
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.execute();
	await db.schema.createIndex("api_keys_app_idx").on("api_keys").columns(["app_id", "created_at"]).execute();

	await db.schema
		.createTable("users")
		.addColumn("app_id", "varchar(64)", (c) => c.notNull().references("apps.id").onDelete("cascade"))
		.addColumn("uid", "varchar(100)", (c) => c.notNull())
		.addColumn("name", "varchar(400)", (c) => c.notNull())
		.addColumn("name_lower", "varchar(400)", (c) => c.notNull())
		.addColumn("avatar", "text")
		.addColumn("link", "text")
		.addColumn("role", "varchar(100)", (c) => c.notNull())
		.addColumn("status_message", "text")
		.addColumn("metadata", "text")
		.addColumn("tags", "text", (c) => c.notNull())
		.addColumn("is_sample", "integer", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addColumn("updated_at", "bigint")
		.addColumn("deactivated_at", "bigint")
		.addColumn("last_active_at", "bigint")
		.addPrimaryKeyConstraint("users_pk", ["app_id", "uid"])
		.execute();
	await db.schema.createIndex("users_name_idx").on("users").columns(["app_id", "name_lower"]).execute();

	await db.schema
		.createTable("auth_tokens")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("app_id", "varchar(64)", (c) => c.notNull())
		.addColumn("uid", "varchar(100)", (c) => c.notNull())
		.addColumn("secret_hash", "varchar(64)", (c) => c.notNull())
		.addColumn("platform", "varchar(50)")
		.addColumn("user_agent", "varchar(255)")
		.addColumn("device_id", "varchar(200)")
		.addColumn("app_info", "text")
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addColumn("last_used_at", "bigint")
		.addForeignKeyConstraint("auth_tokens_user_fk", ["app_id", "uid"], "users", ["app_id", "uid"], (c) =>
			c.onDelete("cascade"),
		)
		.execute();
	await db.schema
		.createIndex("auth_tokens_user_idx")
		.on("auth_tokens")
		.columns(["app_id", "uid", "created_at"])
		.execute();
}
