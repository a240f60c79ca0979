import { type Kysely, sql, type Transaction } from "kysely";
import type { DialectName } from "./dialects.ts";
import { apiKeyToRow, appFromRow, appToRow, userToRow } from "./rows.ts";
import type { ApiKeyRecord, AppRecord, UserRecord } from "./store.ts";
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
