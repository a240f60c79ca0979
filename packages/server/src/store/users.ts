import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql, type Transaction } from "kysely";
import { isOnline } from "./presence.ts";
import { toNumber, userFromRow, userToRow } from "./rows.ts";
import type {
	Page,
	UserImportEntry,
	UserImportOptions,
	UserImportOutcome,
	UserPatch,
	UserQuery,
	UserRecord,
} from "./store.ts";
import type { Tables } from "./tables.ts";
import { escapeLike, holdsNul } from "./text.ts";

/** False when the uid is taken in that app. */
export async function insertUser(db: Kysely<Tables>, user: UserRecord): Promise<boolean> {
	// ON CONFLICT DO NOTHING makes exactly one of several concurrent creates win, on any dialect.
	const result = await db
		.insertInto("users")
		.values(userToRow(user))
		.onConflict((oc) => oc.columns(["app_id", "uid"]).doNothing())
		.executeTakeFirst();
	return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function getUser(db: Kysely<Tables>, appId: string, uid: string): Promise<UserRecord | null> {
	if (holdsNul(appId, uid)) return null;
	const row = await db
		.selectFrom("users")
		.selectAll()
		.where("app_id", "=", appId)
		.where("uid", "=", uid)
		.executeTakeFirst();
	return row ? userFromRow(row) : null;
}

export async function listUsers(db: Kysely<Tables>, appId: string, query: UserQuery): Promise<Page<UserRecord>> {
	const values = [query.searchKey, ...(query.tags ?? []), ...(query.roles ?? []), ...(query.uids ?? [])];
	if (holdsNul(appId, ...values) || query.uids?.length === 0) return { items: [], total: 0 };
	const where = (eb: ExpressionBuilder<Tables, "users">): Expression<SqlBool> => {
		const parts: Expression<SqlBool>[] = [eb("app_id", "=", appId)];
		if (query.deactivated === "exclude") parts.push(eb("deactivated_at", "is", null));
		if (query.deactivated === "only") parts.push(eb("deactivated_at", "is not", null));
		if (query.searchKey) {
			const prefix = `${escapeLike(query.searchKey.toLowerCase())}%`;
			const fields = query.searchIn.map((field) =>
				field === "uid"
					? sql<SqlBool>`uid like ${prefix} escape '\\'`
					: sql<SqlBool>`name_lower like ${prefix} escape '\\'`,
			);
			parts.push(eb.or(fields));
		}
		if (query.roles && query.roles.length > 0) parts.push(eb("role", "in", query.roles));
		if (query.uids) parts.push(eb("uid", "in", query.uids));
		if (query.presence) {
			const online = isOnline(eb, query.presence.aliveSince);
			parts.push(query.presence.status === "online" ? online : eb.not(online));
		}
		// lower() on both sides: LIKE is case-insensitive on SQLite but not on PostgreSQL, and tags keep their case.
		for (const tag of query.tags ?? []) {
			const pattern = `%${escapeLike(JSON.stringify(tag.toLowerCase()))}%`;
			parts.push(sql<SqlBool>`lower(tags) like ${pattern} escape '\\'`);
		}
		return eb.and(parts);
	};
	const select = db.selectFrom("users").selectAll().where(where);
	// Equal creation times happen (sample users, bulk imports): uid breaks the tie, so offset pages stay exact.
	const ordered =
		query.order === "newest" ? select.orderBy("created_at", "desc").orderBy("uid") : select.orderBy("uid");
	const [rows, total] = await Promise.all([
		ordered.limit(query.limit).offset(query.offset).execute(),
		db
			.selectFrom("users")
			.select((eb) => eb.fn.countAll<number | string>().as("count"))
			.where(where)
			.executeTakeFirstOrThrow(),
	]);
	return { items: rows.map(userFromRow), total: toNumber(total.count) };
}

export async function updateUser(
	db: Kysely<Tables>,
	appId: string,
	uid: string,
	patch: UserPatch,
	unset: Array<"avatar" | "link" | "metadata">,
): Promise<UserRecord | null> {
	const set = patchToColumns(patch, unset);
	if (Object.keys(set).length > 0) {
		await db.updateTable("users").set(set).where("app_id", "=", appId).where("uid", "=", uid).execute();
	}
	return await getUser(db, appId, uid);
}

function patchToColumns(patch: UserPatch, unset: Array<"avatar" | "link" | "metadata">): Partial<Tables["users"]> {
	const set: Partial<Tables["users"]> = {};
	if (patch.name !== undefined) {
		set.name = patch.name;
		set.name_lower = patch.name.toLowerCase();
	}
	if (patch.avatar !== undefined) set.avatar = patch.avatar;
	if (patch.link !== undefined) set.link = patch.link;
	if (patch.role !== undefined) set.role = patch.role;
	if (patch.statusMessage !== undefined) set.status_message = patch.statusMessage;
	if (patch.metadata !== undefined) set.metadata = patch.metadata === null ? null : JSON.stringify(patch.metadata);
	if (patch.tags !== undefined) set.tags = JSON.stringify(patch.tags);
	if (patch.updatedAt !== undefined) set.updated_at = patch.updatedAt;
	for (const field of unset) set[field] = null;
	return set;
}

/** Rows per statement of an import: 15 columns each stays far below SQLite's and PostgreSQL's parameter limits. */
const IMPORT_ROWS_PER_STATEMENT = 500;

function chunk<T>(items: T[], size: number): T[][] {
	const chunks: T[][] = [];
	for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
	return chunks;
}

/**
 * A batch import (issue 18), inside the caller's transaction (or as plain reads for a dry run): one select finds
 * the taken uids, multi-row inserts create the rest, and each taken uid is patched by its own update when asked.
 */
export async function importUsers(
	db: Kysely<Tables>,
	appId: string,
	entries: UserImportEntry[],
	options: UserImportOptions,
): Promise<UserImportOutcome[]> {
	const taken = new Set<string>();
	const uids = entries.map((entry) => entry.user.uid);
	for (const some of chunk(uids, IMPORT_ROWS_PER_STATEMENT)) {
		const rows = await db
			.selectFrom("users")
			.select("uid")
			.where("app_id", "=", appId)
			.where("uid", "in", some)
			.execute();
		for (const row of rows) taken.add(row.uid);
	}
	let room = options.maxNewUsers;
	const outcomes: UserImportOutcome[] = entries.map((entry) => {
		if (taken.has(entry.user.uid)) return options.onExisting === "update" ? "updated" : "skipped";
		if (room <= 0) return "quota";
		room--;
		return "created";
	});
	if (options.dryRun) return outcomes;
	const creating = entries.filter((_, index) => outcomes[index] === "created");
	const inserted = new Set<string>();
	for (const users of chunk(creating, IMPORT_ROWS_PER_STATEMENT)) {
		// ON CONFLICT DO NOTHING: a uid another writer created since the select above is left to it.
		const rows = await db
			.insertInto("users")
			.values(users.map((entry) => userToRow(entry.user)))
			.onConflict((oc) => oc.columns(["app_id", "uid"]).doNothing())
			.returning("uid")
			.execute();
		for (const row of rows) inserted.add(row.uid);
	}
	for (const [index, entry] of entries.entries()) {
		if (outcomes[index] === "created" && !inserted.has(entry.user.uid)) {
			outcomes[index] = options.onExisting === "update" ? "updated" : "skipped";
		}
	}
	await updateImportedUsers(
		db,
		appId,
		entries.filter((_, index) => outcomes[index] === "updated"),
	);
	return outcomes;
}

/**
 * The patches of an import, one `UPDATE … FROM (VALUES …)` per set of columns and 500 rows, instead of a
 * statement per user: on PostgreSQL each statement is a round trip (some 0.75 ms measured), 100,000 updates a minute.
 */
async function updateImportedUsers(db: Kysely<Tables>, appId: string, entries: UserImportEntry[]): Promise<void> {
	type Column = keyof Tables["users"];
	const groups = new Map<string, Array<{ uid: string; set: Partial<Tables["users"]> }>>();
	for (const entry of entries) {
		const set = patchToColumns(entry.patch, []);
		const key = Object.keys(set).sort().join(",");
		if (key === "") continue;
		const group = groups.get(key) ?? [];
		group.push({ uid: entry.user.uid, set });
		groups.set(key, group);
	}
	for (const [key, rows] of groups) {
		const columns = key.split(",") as Column[];
		for (const some of chunk(rows, IMPORT_ROWS_PER_STATEMENT)) {
			const values = sql.join(
				some.map((row) => sql`(${sql.join([row.uid, ...columns.map((column) => row.set[column] ?? null)])})`),
			);
			// Parameters in VALUES are text to PostgreSQL; the one number column is cast back.
			const assignments = sql.join(
				columns.map((column) =>
					column === "updated_at"
						? sql`${sql.ref(column)} = cast(${sql.ref(`v.${column}`)} as bigint)`
						: sql`${sql.ref(column)} = ${sql.ref(`v.${column}`)}`,
				),
			);
			const names = sql.join([sql.ref("uid"), ...columns.map((column) => sql.ref(column))]);
			await sql`with v(${names}) as (values ${values})
				update users set ${assignments} from v where users.app_id = ${appId} and users.uid = v.uid`.execute(db);
		}
	}
}

export async function setUserDeactivatedAt(
	db: Kysely<Tables>,
	appId: string,
	uid: string,
	deactivatedAt: number | null,
): Promise<boolean> {
	const result = await db
		.updateTable("users")
		.set({ deactivated_at: deactivatedAt })
		.where("app_id", "=", appId)
		.where("uid", "=", uid)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

/** Deletes the user and their tokens, atomically inside the caller's transaction; the token ids, or null. */
export async function deleteUser(trx: Transaction<Tables>, appId: string, uid: string): Promise<string[] | null> {
	const tokens = await trx
		.deleteFrom("auth_tokens")
		.where("app_id", "=", appId)
		.where("uid", "=", uid)
		.returning("id")
		.execute();
	const result = await trx.deleteFrom("users").where("app_id", "=", appId).where("uid", "=", uid).executeTakeFirst();
	return result.numDeletedRows > 0n ? tokens.map((t) => t.id) : null;
}

/** How many users the app holds, counting no further than `upTo` (one step along the primary key per user). */
export async function countUsers(db: Kysely<Tables>, appId: string, upTo: number): Promise<number> {
	if (holdsNul(appId)) return 0;
	const row = await db
		.selectFrom((eb) => eb.selectFrom("users").select("uid").where("app_id", "=", appId).limit(upTo).as("bounded"))
		.select((eb) => eb.fn.countAll<number | string>().as("count"))
		.executeTakeFirstOrThrow();
	return toNumber(row.count);
}
