import type { Selectable } from "kysely";
import { CompiledQuery, type InferResult, type Kysely, type Transaction } from "kysely";
import { authTokenFromRow, authTokenToRow, toNumber, userFromRow } from "./rows.ts";
import type { AuthTokenPatch, AuthTokenRecord, AuthTokenSelection, Page, PageRequest, Session } from "./store.ts";
import type { AuthTokensTable, Tables } from "./tables.ts";
import { holdsNul } from "./text.ts";

// SQLite needs a LIMIT before an OFFSET; this one means "all the rest".
const ALL_ROWS = 1_000_000_000;

/** A row with the address of its last use (absent until one is recorded), which rows.ts's mapper leaves out. */
function tokenFromRow(row: Selectable<AuthTokensTable>): AuthTokenRecord {
	const token = authTokenFromRow(row);
	if (row.last_used_ip !== null && row.last_used_ip !== undefined) token.lastUsedIp = row.last_used_ip;
	if (row.token_ciphertext !== null && row.token_ciphertext !== undefined) token.ciphertext = row.token_ciphertext;
	return token;
}

/**
 * Inserts a token and evicts the user's oldest beyond `maxPerUser`, atomically inside the caller's
 * transaction. The evicted token ids, or null when the user does not exist or is deactivated.
 */
export async function insertAuthToken(
	trx: Transaction<Tables>,
	token: AuthTokenRecord,
	options: { maxPerUser: number },
): Promise<string[] | null> {
	// Touching the user row first takes a row lock on PostgreSQL and the write lock on SQLite, so
	// concurrent creates for one user queue up and the cap holds across nodes. It also is the check that the user
	// exists and is active, so a login needs no lookup of its own.
	const touched = await trx
		.updateTable("users")
		.set({ uid: token.uid })
		.where("app_id", "=", token.appId)
		.where("uid", "=", token.uid)
		.where("deactivated_at", "is", null)
		.executeTakeFirst();
	if (touched.numUpdatedRows === 0n) return null;
	// The insert answers how many other tokens the user holds. Under the lock above that count is exact (it runs
	// after the touch, so on PostgreSQL it sees every racer that committed first).
	const inserted = await trx
		.insertInto("auth_tokens")
		.values(authTokenToRow(token))
		.returning((eb) =>
			eb
				.selectFrom("auth_tokens as other")
				.select((other) => other.fn.countAll<number | string>().as("count"))
				.where("other.app_id", "=", token.appId)
				.where("other.uid", "=", token.uid)
				.where("other.id", "!=", token.id)
				.as("others"),
		)
		.executeTakeFirstOrThrow();
	// Below the cap nothing can be evicted, so the eviction (which sorts all the user's tokens: the costliest
	// statement of a login) is skipped.
	if (inserted.others === null || toNumber(inserted.others) < options.maxPerUser) return [];
	// The new token is never the one evicted, even when several share a millisecond.
	const evicted = await trx
		.deleteFrom("auth_tokens")
		.where("id", "in", (eb) =>
			eb
				.selectFrom("auth_tokens")
				.select("id")
				.where("app_id", "=", token.appId)
				.where("uid", "=", token.uid)
				.where("id", "!=", token.id)
				.orderBy("created_at", "desc")
				.orderBy("id", "desc")
				.limit(ALL_ROWS)
				.offset(options.maxPerUser - 1),
		)
		.returning("id")
		.execute();
	return evicted.map((row) => row.id);
}

function buildSessionQuery(db: Kysely<Tables>) {
	return db
		.selectFrom("auth_tokens as t")
		.innerJoin("users as u", (join) => join.onRef("u.app_id", "=", "t.app_id").onRef("u.uid", "=", "t.uid"))
		.select([
			"t.id as t_id",
			"t.secret_hash as t_secret_hash",
			"t.platform as t_platform",
			"t.user_agent as t_user_agent",
			"t.device_id as t_device_id",
			"t.app_info as t_app_info",
			"t.created_at as t_created_at",
			"t.last_used_at as t_last_used_at",
			"t.last_used_ip as t_last_used_ip",
			"u.app_id",
			"u.uid",
			"u.name",
			"u.name_lower",
			"u.avatar",
			"u.link",
			"u.role",
			"u.status_message",
			"u.metadata",
			"u.tags",
			"u.is_sample",
			"u.created_at",
			"u.updated_at",
			"u.deactivated_at",
			"u.last_active_at",
		])
		.where("t.id", "=", "");
}

type SessionRow = InferResult<ReturnType<typeof buildSessionQuery>>[number];

/** The session lookup's SQL, compiled once per database: it runs on every authenticated request. */
export interface SessionQuery {
	sql: string;
}

export function compileSessionQuery(db: Kysely<Tables>): SessionQuery {
	const compiled = buildSessionQuery(db).compile();
	if (compiled.parameters.length !== 1) throw new Error("the session query must have exactly one parameter");
	return { sql: compiled.sql };
}

/** The token with its user, in one round trip. */
export async function getSession(db: Kysely<Tables>, query: SessionQuery, tokenId: string): Promise<Session | null> {
	if (holdsNul(tokenId)) return null;
	// The only parameter is the token id, so the compiled SQL is reused with a new one.
	const row = (await db.executeQuery(CompiledQuery.raw(query.sql, [tokenId]) as CompiledQuery<SessionRow>)).rows[0];
	if (!row) return null;
	const token = tokenFromRow({
		id: row.t_id,
		app_id: row.app_id,
		uid: row.uid,
		secret_hash: row.t_secret_hash,
		platform: row.t_platform,
		user_agent: row.t_user_agent,
		device_id: row.t_device_id,
		app_info: row.t_app_info,
		created_at: row.t_created_at,
		last_used_at: row.t_last_used_at,
		last_used_ip: row.t_last_used_ip,
		// Sessions never need the ciphertext; getAuthToken reads it from the stored row.
		token_ciphertext: null,
	});
	return { token, user: userFromRow(row) };
}

export async function listAuthTokens(
	db: Kysely<Tables>,
	appId: string,
	uid: string,
	page: PageRequest,
): Promise<Page<AuthTokenRecord>> {
	if (holdsNul(appId, uid)) return { items: [], total: 0 };
	const [rows, total] = await Promise.all([
		db
			.selectFrom("auth_tokens")
			.selectAll()
			.where("app_id", "=", appId)
			.where("uid", "=", uid)
			.orderBy("created_at", "desc")
			.orderBy("id", "desc")
			.limit(page.limit)
			.offset(page.offset)
			.execute(),
		db
			.selectFrom("auth_tokens")
			.select((eb) => eb.fn.countAll<number | string>().as("count"))
			.where("app_id", "=", appId)
			.where("uid", "=", uid)
			.executeTakeFirstOrThrow(),
	]);
	return { items: rows.map(tokenFromRow), total: toNumber(total.count) };
}

export async function updateAuthToken(
	db: Kysely<Tables>,
	id: string,
	patch: AuthTokenPatch,
): Promise<AuthTokenRecord | null> {
	const set: Partial<Tables["auth_tokens"]> = {};
	if (patch.platform !== undefined) set.platform = patch.platform;
	if (patch.userAgent !== undefined) set.user_agent = patch.userAgent;
	if (patch.deviceId !== undefined) set.device_id = patch.deviceId;
	if (patch.appInfo !== undefined) set.app_info = patch.appInfo === null ? null : JSON.stringify(patch.appInfo);
	// One statement either way: the update answers the updated row itself.
	const row =
		Object.keys(set).length > 0
			? await db.updateTable("auth_tokens").set(set).where("id", "=", id).returningAll().executeTakeFirst()
			: await db.selectFrom("auth_tokens").selectAll().where("id", "=", id).executeTakeFirst();
	return row ? tokenFromRow(row) : null;
}

export async function touchAuthToken(
	db: Kysely<Tables>,
	id: string,
	lastUsedAt: number,
	options: { ip?: string } = {},
): Promise<void> {
	await db
		.updateTable("auth_tokens")
		.set({ last_used_at: lastUsedAt, ...(options.ip !== undefined && { last_used_ip: options.ip }) })
		.where("id", "=", id)
		.execute();
}

export async function deleteAuthToken(db: Kysely<Tables>, id: string): Promise<boolean> {
	const result = await db.deleteFrom("auth_tokens").where("id", "=", id).executeTakeFirst();
	return result.numDeletedRows > 0n;
}

/** Deletes every token of a user; their ids. */
export async function deleteUserAuthTokens(db: Kysely<Tables>, appId: string, uid: string): Promise<string[]> {
	const rows = await db
		.deleteFrom("auth_tokens")
		.where("app_id", "=", appId)
		.where("uid", "=", uid)
		.returning("id")
		.execute();
	return rows.map((row) => row.id);
}

/** Deletes the app's tokens that `selection` picks; their ids. */
export async function deleteAuthTokens(
	db: Kysely<Tables>,
	appId: string,
	selection: AuthTokenSelection,
): Promise<string[]> {
	// No stored id or uid holds a NUL (PostgreSQL text cannot), and such an `exceptId` must not widen the selection.
	if (holdsNul(appId, selection.uid, selection.exceptId)) return [];
	let query = db.deleteFrom("auth_tokens").where("app_id", "=", appId);
	if (selection.uid !== undefined) query = query.where("uid", "=", selection.uid);
	if (selection.createdBefore !== undefined) query = query.where("created_at", "<", selection.createdBefore);
	if (selection.exceptId !== undefined) query = query.where("id", "!=", selection.exceptId);
	const rows = await query.returning("id").execute();
	return rows.map((row) => row.id);
}

/** Which of these token ids still work: the token exists and its user is active. */
export async function findExistingAuthTokenIds(db: Kysely<Tables>, requested: string[]): Promise<string[]> {
	const ids = requested.filter((id) => !holdsNul(id));
	if (ids.length === 0) return [];
	// A token of a deactivated user still exists but no longer works, so it does not count as live.
	const rows = await db
		.selectFrom("auth_tokens")
		.innerJoin("users", (join) =>
			join.onRef("users.app_id", "=", "auth_tokens.app_id").onRef("users.uid", "=", "auth_tokens.uid"),
		)
		.select("auth_tokens.id")
		.where("auth_tokens.id", "in", ids)
		.where("users.deactivated_at", "is", null)
		.execute();
	return rows.map((row) => row.id);
}

/** How many auth tokens the app's users hold. */
export async function countAppAuthTokens(db: Kysely<Tables>, appId: string): Promise<number> {
	const { count } = await db
		.selectFrom("auth_tokens")
		.select((eb) => eb.fn.countAll<number | string>().as("count"))
		.where("app_id", "=", appId)
		.executeTakeFirstOrThrow();
	return toNumber(count);
}

/** How many tokens the app holds, counting no further than `upTo` (one step along auth_tokens_user_idx per token). */
export async function countAuthTokens(db: Kysely<Tables>, appId: string, upTo: number): Promise<number> {
	if (holdsNul(appId)) return 0;
	const row = await db
		.selectFrom((eb) =>
			eb.selectFrom("auth_tokens").select("uid").where("app_id", "=", appId).limit(upTo).as("bounded"),
		)
		.select((eb) => eb.fn.countAll<number | string>().as("count"))
		.executeTakeFirstOrThrow();
	return toNumber(row.count);
}

export async function dropAuthTokenCiphertexts(db: Kysely<Tables>, appId: string): Promise<void> {
	await db.updateTable("auth_tokens").set({ token_ciphertext: null }).where("app_id", "=", appId).execute();
}
