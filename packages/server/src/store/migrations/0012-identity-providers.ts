import type { Kysely } from "kysely";

// Trusted identity providers per app (issue 18): an app accepts the JWTs of these issuers at
// POST /v3/auth_tokens/exchange. Lists (audiences, algorithms) and an inline key set are JSON text.
// identity_subjects links a provider's subject to the uid it signed in as, once per uid in an app: a second subject
// whose claim maps to a uid already linked (two subjects that sanitize or fold to the same uid) is detected by the
// unique (app_id, uid) index, even when two nodes race.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable("identity_providers")
		.addColumn("id", "varchar(64)", (c) => c.primaryKey())
		.addColumn("app_id", "varchar(64)", (c) => c.notNull().references("apps.id").onDelete("cascade"))
		.addColumn("issuer", "varchar(1000)", (c) => c.notNull())
		.addColumn("jwks_uri", "text")
		.addColumn("jwks", "text")
		.addColumn("audiences", "text", (c) => c.notNull())
		.addColumn("algorithms", "text", (c) => c.notNull())
		.addColumn("uid_claim", "varchar(100)", (c) => c.notNull())
		.addColumn("name_claim", "varchar(100)")
		.addColumn("avatar_claim", "varchar(100)")
		.addColumn("clock_skew_seconds", "integer", (c) => c.notNull())
		.addColumn("create_users", "integer", (c) => c.notNull())
		.addColumn("uid_prefix", "varchar(50)")
		.addColumn("uid_mapping", "varchar(16)", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addColumn("updated_at", "bigint")
		.execute();
	await db.schema
		.createIndex("identity_providers_issuer_idx")
		.on("identity_providers")
		.columns(["app_id", "issuer"])
		.unique()
		.execute();

	await db.schema
		.createTable("identity_subjects")
		.addColumn("provider_id", "varchar(64)", (c) => c.notNull().references("identity_providers.id").onDelete("cascade"))
		.addColumn("subject", "varchar(255)", (c) => c.notNull())
		.addColumn("app_id", "varchar(64)", (c) => c.notNull())
		.addColumn("uid", "varchar(100)", (c) => c.notNull())
		.addColumn("created_at", "bigint", (c) => c.notNull())
		.addPrimaryKeyConstraint("identity_subjects_pk", ["provider_id", "subject"])
		.addForeignKeyConstraint("identity_subjects_user_fk", ["app_id", "uid"], "users", ["app_id", "uid"], (c) =>
			c.onDelete("cascade"),
		)
		.execute();
	await db.schema
		.createIndex("identity_subjects_uid_idx")
		.on("identity_subjects")
		.columns(["app_id", "uid"])
		.unique()
		.execute();
}
