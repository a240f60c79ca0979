import { type Expression, type ExpressionBuilder, type Kysely, Migrator, type SqlBool, sql } from "kysely";
import { createDatabase, type StoreLocation, toNumber } from "./dialects.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import {
	apiKeyFromRow,
	apiKeyToRow,
	appFromRow,
	appToRow,
	authTokenFromRow,
	authTokenToRow,
	type Tables,
	userFromRow,
	userToRow,
} from "./rows.ts";
import type {
	ApiKeyQuery,
	ApiKeyRecord,
	AppRecord,
	AuthTokenPatch,
	AuthTokenRecord,
	KeyScope,
	Page,
	PageRequest,
	Session,
	Store,
	UserPatch,
	UserQuery,
	UserRecord,
} from "./store.ts";

// SQLite needs a LIMIT before an OFFSET; this one means "all the rest".
const ALL_ROWS = 1_000_000_000;

function escapeLike(value: string): string {
	return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The Store over Kysely: the same SQL on SQLite and PostgreSQL. */
export class KyselyStore implements Store {
	readonly db: Kysely<Tables>;

	constructor(location: StoreLocation) {
		this.db = createDatabase(location);
	}

	async migrate(): Promise<void> {
		const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => MIGRATIONS } });
		const { error } = await migrator.migrateToLatest();
		if (error) throw error;
	}

	async close(): Promise<void> {
		await this.db.destroy();
	}

	async insertApp(app: AppRecord, keys: ApiKeyRecord[], users: UserRecord[]): Promise<void> {
		await this.db.transaction().execute(async (trx) => {
			await trx.insertInto("apps").values(appToRow(app)).execute();
			if (keys.length > 0) await trx.insertInto("api_keys").values(keys.map(apiKeyToRow)).execute();
			if (users.length > 0) await trx.insertInto("users").values(users.map(userToRow)).execute();
		});
	}

	async getApp(id: string): Promise<AppRecord | null> {
		const row = await this.db.selectFrom("apps").selectAll().where("id", "=", id).executeTakeFirst();
		return row ? appFromRow(row) : null;
	}

	async listApps(): Promise<AppRecord[]> {
		const rows = await this.db.selectFrom("apps").selectAll().orderBy("created_at").orderBy("id").execute();
		return rows.map(appFromRow);
	}

	async insertApiKey(key: ApiKeyRecord, options: { maxPerApp: number }): Promise<boolean> {
		return await this.db.transaction().execute(async (trx) => {
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
		});
	}

	async getApiKey(id: string): Promise<ApiKeyRecord | null> {
		const row = await this.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
		return row ? apiKeyFromRow(row) : null;
	}

	async listApiKeys(appId: string, query: ApiKeyQuery): Promise<Page<ApiKeyRecord>> {
		const where = (eb: ExpressionBuilder<Tables, "api_keys">): Expression<SqlBool> => {
			const parts: Expression<SqlBool>[] = [eb("app_id", "=", appId)];
			if (query.scope) parts.push(eb("scope", "=", query.scope));
			if (query.searchKey) {
				parts.push(sql<SqlBool>`lower(name) like ${`%${escapeLike(query.searchKey.toLowerCase())}%`} escape '\\'`);
			}
			return eb.and(parts);
		};
		const [rows, total] = await Promise.all([
			this.db
				.selectFrom("api_keys")
				.selectAll()
				.where(where)
				.orderBy("created_at")
				.orderBy("id")
				.limit(query.limit)
				.offset(query.offset)
				.execute(),
			this.db
				.selectFrom("api_keys")
				.select((eb) => eb.fn.countAll<number | string>().as("count"))
				.where(where)
				.executeTakeFirstOrThrow(),
		]);
		return { items: rows.map(apiKeyFromRow), total: toNumber(total.count) };
	}

	async updateApiKey(
		appId: string,
		id: string,
		patch: { name?: string; scope?: KeyScope },
	): Promise<ApiKeyRecord | null> {
		if (patch.name !== undefined || patch.scope !== undefined) {
			await this.db
				.updateTable("api_keys")
				.set({ ...(patch.name !== undefined && { name: patch.name }), ...(patch.scope && { scope: patch.scope }) })
				.where("id", "=", id)
				.where("app_id", "=", appId)
				.execute();
		}
		const row = await this.db
			.selectFrom("api_keys")
			.selectAll()
			.where("id", "=", id)
			.where("app_id", "=", appId)
			.executeTakeFirst();
		return row ? apiKeyFromRow(row) : null;
	}

	async deleteApiKey(appId: string, id: string): Promise<boolean> {
		const result = await this.db
			.deleteFrom("api_keys")
			.where("id", "=", id)
			.where("app_id", "=", appId)
			.executeTakeFirst();
		return result.numDeletedRows > 0n;
	}

	async insertUser(user: UserRecord): Promise<boolean> {
		// ON CONFLICT DO NOTHING makes exactly one of several concurrent creates win, on any dialect.
		const result = await this.db
			.insertInto("users")
			.values(userToRow(user))
			.onConflict((oc) => oc.columns(["app_id", "uid"]).doNothing())
			.executeTakeFirst();
		return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
	}

	async getUser(appId: string, uid: string): Promise<UserRecord | null> {
		const row = await this.db
			.selectFrom("users")
			.selectAll()
			.where("app_id", "=", appId)
			.where("uid", "=", uid)
			.executeTakeFirst();
		return row ? userFromRow(row) : null;
	}

	async listUsers(appId: string, query: UserQuery): Promise<Page<UserRecord>> {
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
			for (const tag of query.tags ?? []) {
				parts.push(sql<SqlBool>`tags like ${`%${escapeLike(JSON.stringify(tag))}%`} escape '\\'`);
			}
			return eb.and(parts);
		};
		const [rows, total] = await Promise.all([
			this.db
				.selectFrom("users")
				.selectAll()
				.where(where)
				.orderBy("uid")
				.limit(query.limit)
				.offset(query.offset)
				.execute(),
			this.db
				.selectFrom("users")
				.select((eb) => eb.fn.countAll<number | string>().as("count"))
				.where(where)
				.executeTakeFirstOrThrow(),
		]);
		return { items: rows.map(userFromRow), total: toNumber(total.count) };
	}

	async updateUser(
		appId: string,
		uid: string,
		patch: UserPatch,
		unset: Array<"avatar" | "link" | "metadata">,
	): Promise<UserRecord | null> {
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
		if (Object.keys(set).length > 0) {
			await this.db.updateTable("users").set(set).where("app_id", "=", appId).where("uid", "=", uid).execute();
		}
		return await this.getUser(appId, uid);
	}

	async setUserDeactivatedAt(appId: string, uid: string, deactivatedAt: number | null): Promise<boolean> {
		const result = await this.db
			.updateTable("users")
			.set({ deactivated_at: deactivatedAt })
			.where("app_id", "=", appId)
			.where("uid", "=", uid)
			.executeTakeFirst();
		return result.numUpdatedRows > 0n;
	}

	async deleteUser(appId: string, uid: string): Promise<string[] | null> {
		return await this.db.transaction().execute(async (trx) => {
			const tokens = await trx
				.deleteFrom("auth_tokens")
				.where("app_id", "=", appId)
				.where("uid", "=", uid)
				.returning("id")
				.execute();
			const result = await trx
				.deleteFrom("users")
				.where("app_id", "=", appId)
				.where("uid", "=", uid)
				.executeTakeFirst();
			return result.numDeletedRows > 0n ? tokens.map((t) => t.id) : null;
		});
	}

	async insertAuthToken(token: AuthTokenRecord, options: { maxPerUser: number }): Promise<string[] | null> {
		return await this.db.transaction().execute(async (trx) => {
			// Touching the user row first takes a row lock on PostgreSQL and the write lock on SQLite, so
			// concurrent creates for one user queue up and the cap holds across nodes.
			const touched = await trx
				.updateTable("users")
				.set({ uid: token.uid })
				.where("app_id", "=", token.appId)
				.where("uid", "=", token.uid)
				.executeTakeFirst();
			if (touched.numUpdatedRows === 0n) return null;
			await trx.insertInto("auth_tokens").values(authTokenToRow(token)).execute();
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
		});
	}

	async getSession(tokenId: string): Promise<Session | null> {
		const token = await this.db.selectFrom("auth_tokens").selectAll().where("id", "=", tokenId).executeTakeFirst();
		if (!token) return null;
		const user = await this.db
			.selectFrom("users")
			.selectAll()
			.where("app_id", "=", token.app_id)
			.where("uid", "=", token.uid)
			.executeTakeFirst();
		return user ? { token: authTokenFromRow(token), user: userFromRow(user) } : null;
	}

	async listAuthTokens(appId: string, uid: string, page: PageRequest): Promise<Page<AuthTokenRecord>> {
		const [rows, total] = await Promise.all([
			this.db
				.selectFrom("auth_tokens")
				.selectAll()
				.where("app_id", "=", appId)
				.where("uid", "=", uid)
				.orderBy("created_at", "desc")
				.orderBy("id", "desc")
				.limit(page.limit)
				.offset(page.offset)
				.execute(),
			this.db
				.selectFrom("auth_tokens")
				.select((eb) => eb.fn.countAll<number | string>().as("count"))
				.where("app_id", "=", appId)
				.where("uid", "=", uid)
				.executeTakeFirstOrThrow(),
		]);
		return { items: rows.map(authTokenFromRow), total: toNumber(total.count) };
	}

	async updateAuthToken(id: string, patch: AuthTokenPatch): Promise<AuthTokenRecord | null> {
		const set: Partial<Tables["auth_tokens"]> = {};
		if (patch.platform !== undefined) set.platform = patch.platform;
		if (patch.userAgent !== undefined) set.user_agent = patch.userAgent;
		if (patch.deviceId !== undefined) set.device_id = patch.deviceId;
		if (patch.appInfo !== undefined) set.app_info = patch.appInfo === null ? null : JSON.stringify(patch.appInfo);
		if (Object.keys(set).length > 0) await this.db.updateTable("auth_tokens").set(set).where("id", "=", id).execute();
		const row = await this.db.selectFrom("auth_tokens").selectAll().where("id", "=", id).executeTakeFirst();
		return row ? authTokenFromRow(row) : null;
	}

	async touchAuthToken(id: string, lastUsedAt: number): Promise<void> {
		await this.db.updateTable("auth_tokens").set({ last_used_at: lastUsedAt }).where("id", "=", id).execute();
	}

	async deleteAuthToken(id: string): Promise<boolean> {
		const result = await this.db.deleteFrom("auth_tokens").where("id", "=", id).executeTakeFirst();
		return result.numDeletedRows > 0n;
	}

	async deleteUserAuthTokens(appId: string, uid: string): Promise<string[]> {
		const rows = await this.db
			.deleteFrom("auth_tokens")
			.where("app_id", "=", appId)
			.where("uid", "=", uid)
			.returning("id")
			.execute();
		return rows.map((row) => row.id);
	}

	async findExistingAuthTokenIds(ids: string[]): Promise<string[]> {
		if (ids.length === 0) return [];
		const rows = await this.db.selectFrom("auth_tokens").select("id").where("id", "in", ids).execute();
		return rows.map((row) => row.id);
	}
}
