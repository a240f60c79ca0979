import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql, type Transaction } from "kysely";
import { apiKeyFromRow, apiKeyToRow, toNumber } from "./rows.ts";
import type { ApiKeyPatch, ApiKeyQuery, ApiKeyRecord, Page } from "./store.ts";
import type { Tables } from "./tables.ts";
import { escapeLike, holdsNul } from "./text.ts";

/** Inserts unless the app already has `maxPerApp` keys; false at the cap. Atomic inside the caller's transaction. */
export async function insertApiKey(
	trx: Transaction<Tables>,
	key: ApiKeyRecord,
	options: { maxPerApp: number },
): Promise<boolean> {
	// Touching the app row first serialises key creation per app on both dialects, so the cap holds
	// when two nodes create keys at once.
	await trx.updateTable("apps").set({ id: key.appId }).where("id", "=", key.appId).execute();
	const { count } = await trx
		.selectFrom("api_keys")
		.select((eb) => eb.fn.countAll<number | string>().as("count"))
		.where("app_id", "=", key.appId)
		.executeTakeFirstOrThrow();
	if (toNumber(count) >= options.maxPerApp) return false;
	await trx.insertInto("api_keys").values(apiKeyToRow(key)).execute();
	return true;
}

export async function getApiKey(db: Kysely<Tables>, id: string): Promise<ApiKeyRecord | null> {
	if (holdsNul(id)) return null;
	const row = await db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
	return row ? apiKeyFromRow(row) : null;
}

export async function listApiKeys(db: Kysely<Tables>, appId: string, query: ApiKeyQuery): Promise<Page<ApiKeyRecord>> {
	if (holdsNul(appId, query.searchKey)) return { items: [], total: 0 };
	const where = (eb: ExpressionBuilder<Tables, "api_keys">): Expression<SqlBool> => {
		const parts: Expression<SqlBool>[] = [eb("app_id", "=", appId)];
		if (query.scope) parts.push(eb("scope", "=", query.scope));
		if (query.searchKey) {
			parts.push(sql<SqlBool>`lower(name) like ${`%${escapeLike(query.searchKey.toLowerCase())}%`} escape '\\'`);
		}
		return eb.and(parts);
	};
	const [rows, total] = await Promise.all([
		db
			.selectFrom("api_keys")
			.selectAll()
			.where(where)
			.orderBy("created_at")
			.orderBy("id")
			.limit(query.limit)
			.offset(query.offset)
			.execute(),
		db
			.selectFrom("api_keys")
			.select((eb) => eb.fn.countAll<number | string>().as("count"))
			.where(where)
			.executeTakeFirstOrThrow(),
	]);
	return { items: rows.map(apiKeyFromRow), total: toNumber(total.count) };
}

export async function updateApiKey(
	db: Kysely<Tables>,
	appId: string,
	id: string,
	patch: ApiKeyPatch,
): Promise<ApiKeyRecord | null> {
	if (patch.name !== undefined || patch.scope !== undefined || patch.expiresAt !== undefined) {
		await db
			.updateTable("api_keys")
			.set({
				...(patch.name !== undefined && { name: patch.name }),
				...(patch.scope && { scope: patch.scope }),
				...(patch.expiresAt !== undefined && { expires_at: patch.expiresAt }),
			})
			.where("id", "=", id)
			.where("app_id", "=", appId)
			.execute();
	}
	const row = await db
		.selectFrom("api_keys")
		.selectAll()
		.where("id", "=", id)
		.where("app_id", "=", appId)
		.executeTakeFirst();
	return row ? apiKeyFromRow(row) : null;
}

export async function deleteApiKey(db: Kysely<Tables>, appId: string, id: string): Promise<boolean> {
	const result = await db.deleteFrom("api_keys").where("id", "=", id).where("app_id", "=", appId).executeTakeFirst();
	return result.numDeletedRows > 0n;
}

/** Thrown inside a rotation whose replaced key went away meanwhile, so the new key's insert rolls back. */
export class ReplacedApiKeyGoneError extends Error {}

/**
 * Inserts `key` (under the cap, as insertApiKey) and makes the replaced key of the same app expire at
 * `replaced.expiresAt` unless it already expires earlier: a rotation never lengthens a key's life. The replaced
 * key as it now is, "quota" at the cap, null when there is no such key. Atomic inside the caller's transaction;
 * throws ReplacedApiKeyGoneError when the replaced key was deleted by a racing request.
 */
export async function rotateApiKey(
	trx: Transaction<Tables>,
	key: ApiKeyRecord,
	replaced: { id: string; expiresAt: number },
	options: { maxPerApp: number },
): Promise<ApiKeyRecord | "quota" | null> {
	const byId = (eb: ExpressionBuilder<Tables, "api_keys">): Expression<SqlBool> =>
		eb.and([eb("id", "=", replaced.id), eb("app_id", "=", key.appId)]);
	if (!(await trx.selectFrom("api_keys").select("id").where(byId).executeTakeFirst())) return null;
	if (!(await insertApiKey(trx, key, options))) return "quota";
	const shortened = await trx
		.updateTable("api_keys")
		.set({ expires_at: replaced.expiresAt })
		.where(byId)
		.where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", replaced.expiresAt)]))
		.returningAll()
		.executeTakeFirst();
	const row = shortened ?? (await trx.selectFrom("api_keys").selectAll().where(byId).executeTakeFirst());
	if (!row) throw new ReplacedApiKeyGoneError();
	return apiKeyFromRow(row);
}

export async function touchApiKey(db: Kysely<Tables>, id: string, lastUsedAt: number): Promise<void> {
	await db.updateTable("api_keys").set({ last_used_at: lastUsedAt }).where("id", "=", id).execute();
}
