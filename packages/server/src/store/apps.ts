import { type Kysely, sql, type Transaction } from "kysely";
import type { DialectName } from "./dialects.ts";
import { apiKeyToRow, appFromRow, appToRow, userToRow } from "./rows.ts";
import type {
	ApiKeyRecord,
	AppRecord,
	ClientUserField,
	DeletedAppCounts,
	StoredSecuritySettings,
	UserRecord,
} from "./store.ts";
import type { Tables } from "./tables.ts";
import { holdsNul } from "./text.ts";

// Any fixed number: the advisory lock that serialises first-app creation across nodes.
const FIRST_APP_LOCK_KEY = 7_340_117;

/** An app with its first keys and users; atomic inside the caller's transaction. */
export async function insertApp(
	trx: Transaction<Tables>,
	app: AppRecord,
	keys: ApiKeyRecord[],
	users: UserRecord[],
): Promise<void> {
	await trx.insertInto("apps").values(appToRow(app)).execute();
	if (keys.length > 0) await trx.insertInto("api_keys").values(keys.map(apiKeyToRow)).execute();
	if (users.length > 0) await trx.insertInto("users").values(users.map(userToRow)).execute();
}

/** insertApp while no app exists at all; false when one does. */
export async function insertFirstApp(
	trx: Transaction<Tables>,
	dialect: DialectName,
	app: AppRecord,
	keys: ApiKeyRecord[],
	users: UserRecord[],
): Promise<boolean> {
	// PostgreSQL: an advisory lock makes concurrent first starts of several nodes take turns. SQLite has one
	// writer at a time already.
	if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${FIRST_APP_LOCK_KEY})`.execute(trx);
	const existing = await trx.selectFrom("apps").select("id").limit(1).executeTakeFirst();
	if (existing) return false;
	await insertApp(trx, app, keys, users);
	return true;
}

export async function getApp(db: Kysely<Tables>, id: string): Promise<AppRecord | null> {
	if (holdsNul(id)) return null;
	const row = await db.selectFrom("apps").selectAll().where("id", "=", id).executeTakeFirst();
	return row ? appFromRow(row) : null;
}

export async function listApps(db: Kysely<Tables>): Promise<AppRecord[]> {
	const rows = await db.selectFrom("apps").selectAll().orderBy("created_at").orderBy("id").execute();
	return rows.map(appFromRow);
}

export async function renameApp(db: Kysely<Tables>, id: string, name: string): Promise<AppRecord | null> {
	if (holdsNul(id)) return null;
	const result = await db.updateTable("apps").set({ name }).where("id", "=", id).executeTakeFirst();
	return result.numUpdatedRows > 0n ? await getApp(db, id) : null;
}

/** Deletes the app and everything of it inside the caller's transaction; null when there is no such app. */
export async function deleteApp(trx: Transaction<Tables>, id: string): Promise<DeletedAppCounts | null> {
	if (holdsNul(id)) return null;
	// Children first, so the counts are exact; the foreign keys' ON DELETE CASCADE still catches a user or key
	// another node inserted between these statements (it holds a lock on the app row the last delete waits for).
	const tokens = await trx.deleteFrom("auth_tokens").where("app_id", "=", id).executeTakeFirst();
	const users = await trx.deleteFrom("users").where("app_id", "=", id).executeTakeFirst();
	const keys = await trx.deleteFrom("api_keys").where("app_id", "=", id).executeTakeFirst();
	const apps = await trx.deleteFrom("apps").where("id", "=", id).executeTakeFirst();
	if (apps.numDeletedRows === 0n) return null;
	return {
		users: Number(users.numDeletedRows),
		authTokens: Number(tokens.numDeletedRows),
		apiKeys: Number(keys.numDeletedRows),
	};
}

export async function setAppClientUserFields(
	db: Kysely<Tables>,
	id: string,
	fields: ClientUserField[] | null,
): Promise<AppRecord | null> {
	if (holdsNul(id)) return null;
	const result = await db
		.updateTable("apps")
		.set({ client_user_fields: fields === null ? null : JSON.stringify(fields) })
		.where("id", "=", id)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n ? await getApp(db, id) : null;
}

export async function setAppSecurity(
	db: Kysely<Tables>,
	id: string,
	security: StoredSecuritySettings,
): Promise<AppRecord | null> {
	if (holdsNul(id)) return null;
	const result = await db
		.updateTable("apps")
		.set({ security: JSON.stringify(security) })
		.where("id", "=", id)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n ? await getApp(db, id) : null;
}
