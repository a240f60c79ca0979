import {
	CompiledQuery,
	type Expression,
	type ExpressionBuilder,
	type InferResult,
	type Kysely,
	Migrator,
	type SqlBool,
	sql,
	type Transaction,
} from "kysely";
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
	OperatorRecord,
	OperatorSessionRecord,
	Page,
	PageRequest,
	Session,
	SetupTokenRecord,
	Store,
	UserPatch,
	UserQuery,
	UserRecord,
} from "./store.ts";

type SessionRow = InferResult<ReturnType<KyselyStore["buildSessionQuery"]>>[number];

// Apps are immutable (no update or delete exists); the TTL bounds how long a future deletion could lag.
const APP_CACHE_TTL_MS = 60_000;
const APP_CACHE_SIZE = 1000;

// Any fixed number: the advisory lock that serialises first-app creation across nodes.
const FIRST_APP_LOCK_KEY = 7_340_117;

// SQLite needs a LIMIT before an OFFSET; this one means "all the rest".
const ALL_ROWS = 1_000_000_000;

/**
 * PostgreSQL text cannot hold U+0000 and fails the whole query on it; SQLite stores it. No stored key can
 * contain one, so a lookup by such a value finds nothing on either dialect instead of erroring on one.
 */
function holdsNul(...values: Array<string | undefined>): boolean {
	return values.some((value) => value?.includes("\u0000") === true);
}

function escapeLike(value: string): string {
	return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** An app with its first keys and users, inside the caller's transaction. */
async function insertAppRows(
	trx: Transaction<Tables>,
	app: AppRecord,
	keys: ApiKeyRecord[],
	users: UserRecord[],
): Promise<void> {
	await trx.insertInto("apps").values(appToRow(app)).execute();
	if (keys.length > 0) await trx.insertInto("api_keys").values(keys.map(apiKeyToRow)).execute();
	if (users.length > 0) await trx.insertInto("users").values(users.map(userToRow)).execute();
}

/** The Store over Kysely: the same SQL on SQLite and PostgreSQL. */
export class KyselyStore implements Store {
	readonly db: Kysely<Tables>;

	private readonly migrationSchema: string | undefined;
	private readonly appCache = new Map<string, { app: AppRecord; at: number }>();
	private readonly dialect: StoreLocation["kind"];

	constructor(location: StoreLocation) {
		this.db = createDatabase(location);
		this.migrationSchema = location.kind === "postgres" ? location.schema : undefined;
		this.dialect = location.kind;
	}

	async migrate(): Promise<void> {
		// Kysely looks for its bookkeeping tables in every schema it can see; in a schema of our own it must be
		// told which one, or another schema's tables fool it into skipping their creation.
		const migrator = new Migrator({
			db: this.db,
			provider: { getMigrations: async () => MIGRATIONS },
			...(this.migrationSchema && { migrationTableSchema: this.migrationSchema }),
		});
		const { error } = await migrator.migrateToLatest();
		if (error) throw error;
	}

	async close(): Promise<void> {
		await this.db.destroy();
	}

	async insertApp(app: AppRecord, keys: ApiKeyRecord[], users: UserRecord[]): Promise<void> {
		await this.db.transaction().execute((trx) => insertAppRows(trx, app, keys, users));
	}

	async insertFirstApp(app: AppRecord, keys: ApiKeyRecord[], users: UserRecord[]): Promise<boolean> {
		return await this.db.transaction().execute(async (trx) => {
			// PostgreSQL: an advisory lock makes concurrent first starts of several nodes take turns. SQLite has one
			// writer at a time already.
			if (this.dialect === "postgres") await sql`select pg_advisory_xact_lock(${FIRST_APP_LOCK_KEY})`.execute(trx);
			const existing = await trx.selectFrom("apps").select("id").limit(1).executeTakeFirst();
			if (existing) return false;
			await insertAppRows(trx, app, keys, users);
			return true;
		});
	}

	async getApp(id: string): Promise<AppRecord | null> {
		if (holdsNul(id)) return null;
		// Every request resolves its app; apps never change once created, so a found one is kept a short while.
		const cached = this.appCache.get(id);
		if (cached && Date.now() - cached.at < APP_CACHE_TTL_MS) return cached.app;
		const row = await this.db.selectFrom("apps").selectAll().where("id", "=", id).executeTakeFirst();
		if (!row) return null;
		const app = appFromRow(row);
		if (this.appCache.size >= APP_CACHE_SIZE) this.appCache.clear();
		this.appCache.set(id, { app, at: Date.now() });
		return app;
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
		if (holdsNul(id)) return null;
		const row = await this.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
		return row ? apiKeyFromRow(row) : null;
	}

	async listApiKeys(appId: string, query: ApiKeyQuery): Promise<Page<ApiKeyRecord>> {
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
		if (holdsNul(appId, uid)) return null;
		const row = await this.db
			.selectFrom("users")
			.selectAll()
			.where("app_id", "=", appId)
			.where("uid", "=", uid)
			.executeTakeFirst();
		return row ? userFromRow(row) : null;
	}

	async listUsers(appId: string, query: UserQuery): Promise<Page<UserRecord>> {
		if (holdsNul(appId, query.searchKey, ...(query.tags ?? []), ...(query.roles ?? []))) return { items: [], total: 0 };
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
			// lower() on both sides: LIKE is case-insensitive on SQLite but not on PostgreSQL, and tags keep their case.
			for (const tag of query.tags ?? []) {
				const pattern = `%${escapeLike(JSON.stringify(tag.toLowerCase()))}%`;
				parts.push(sql<SqlBool>`lower(tags) like ${pattern} escape '\\'`);
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

	/** The session lookup, built and compiled once: it runs on every authenticated request. */
	private sessionQuery = (() => {
		let compiled: { sql: string } | null = null;
		return (tokenId: string): CompiledQuery<SessionRow> => {
			if (!compiled) {
				const built = this.buildSessionQuery().compile();
				if (built.parameters.length !== 1) throw new Error("the session query must have exactly one parameter");
				compiled = built;
			}
			// The only parameter is the token id, so the compiled SQL is reused with a new one.
			return CompiledQuery.raw(compiled.sql, [tokenId]) as CompiledQuery<SessionRow>;
		};
	})();

	private buildSessionQuery() {
		return this.db
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

	async getSession(tokenId: string): Promise<Session | null> {
		if (holdsNul(tokenId)) return null;
		// One round trip: the token and its user together.
		const row = (await this.db.executeQuery(this.sessionQuery(tokenId))).rows[0];
		if (!row) return null;
		const token = authTokenFromRow({
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
		});
		return { token, user: userFromRow(row) };
	}

	async listAuthTokens(appId: string, uid: string, page: PageRequest): Promise<Page<AuthTokenRecord>> {
		if (holdsNul(appId, uid)) return { items: [], total: 0 };
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

	async findExistingAuthTokenIds(requested: string[]): Promise<string[]> {
		const ids = requested.filter((id) => !holdsNul(id));
		if (ids.length === 0) return [];
		// A token of a deactivated user still exists but no longer works, so it does not count as live.
		const rows = await this.db
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

	// ---- Dashboard (issue 8): operators, their sessions, setup tokens, login failures ----

	private get dashboardDb(): Kysely<Tables & DashboardTables> {
		return this.db.withTables<DashboardTables>();
	}

	async countOperators(): Promise<number> {
		const { count } = await this.dashboardDb
			.selectFrom("operators")
			.select((eb) => eb.fn.countAll<number | string>().as("count"))
			.executeTakeFirstOrThrow();
		return toNumber(count);
	}

	async insertOperator(operator: OperatorRecord): Promise<boolean> {
		const result = await this.dashboardDb
			.insertInto("operators")
			.values(operatorToRow(operator, null))
			.onConflict((oc) => oc.column("email_lower").doNothing())
			.executeTakeFirst();
		return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
	}

	async getOperatorByEmail(emailLower: string): Promise<OperatorRecord | null> {
		const row = await this.dashboardDb
			.selectFrom("operators")
			.selectAll()
			.where("email_lower", "=", emailLower)
			.executeTakeFirst();
		return row ? operatorFromRow(row) : null;
	}

	async insertSetupToken(token: SetupTokenRecord): Promise<void> {
		await this.dashboardDb.transaction().execute(async (trx) => {
			await trx.deleteFrom("setup_tokens").where("expires_at", "<=", token.createdAt).execute();
			await trx
				.insertInto("setup_tokens")
				.values({
					id: token.id,
					secret_hash: token.secretHash,
					created_at: token.createdAt,
					expires_at: token.expiresAt,
				})
				.execute();
		});
	}

	async getSetupToken(id: string): Promise<SetupTokenRecord | null> {
		const row = await this.dashboardDb.selectFrom("setup_tokens").selectAll().where("id", "=", id).executeTakeFirst();
		return row
			? {
					id: row.id,
					secretHash: row.secret_hash,
					createdAt: toNumber(row.created_at),
					expiresAt: toNumber(row.expires_at),
				}
			: null;
	}

	async claimSetupToken(id: string, secretHash: string, now: number, operator: OperatorRecord): Promise<boolean> {
		try {
			return await this.dashboardDb.transaction().execute(async (trx) => {
				// Every live token is taken in one DELETE … RETURNING: two claims (same link or two links) queue on
				// the same rows, so exactly one sees its token, without the deadlock of deleting them one by one.
				const taken = await trx
					.deleteFrom("setup_tokens")
					.where("expires_at", ">", now)
					.returning(["id", "secret_hash"])
					.execute();
				if (!taken.some((row) => row.id === id && row.secret_hash === secretHash)) throw new SetupClaimRefused();
				const { count } = await trx
					.selectFrom("operators")
					.select((eb) => eb.fn.countAll<number | string>().as("count"))
					.executeTakeFirstOrThrow();
				if (toNumber(count) > 0) return false;
				// The unique setup_claim is a second guard: there is only ever one operator made by a link.
				const inserted = await trx
					.insertInto("operators")
					.values(operatorToRow(operator, 1))
					.onConflict((oc) => oc.column("setup_claim").doNothing())
					.executeTakeFirst();
				return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
			});
		} catch (error) {
			// A wrong or used token rolls back, so the live links of others survive a bad guess.
			if (error instanceof SetupClaimRefused) return false;
			throw error;
		}
	}

	async insertOperatorSession(session: OperatorSessionRecord, options: { pruneCreatedBefore: number }): Promise<void> {
		await this.dashboardDb.transaction().execute(async (trx) => {
			await trx.deleteFrom("operator_sessions").where("created_at", "<", options.pruneCreatedBefore).execute();
			await trx
				.insertInto("operator_sessions")
				.values({
					id: session.id,
					operator_id: session.operatorId,
					secret_hash: session.secretHash,
					created_at: session.createdAt,
					last_seen_at: session.lastSeenAt,
				})
				.execute();
		});
	}

	async getOperatorSession(id: string): Promise<{ session: OperatorSessionRecord; operator: OperatorRecord } | null> {
		const row = await this.dashboardDb
			.selectFrom("operator_sessions")
			.innerJoin("operators", "operators.id", "operator_sessions.operator_id")
			.select([
				"operator_sessions.id as session_id",
				"operator_sessions.secret_hash as session_secret_hash",
				"operator_sessions.created_at as session_created_at",
				"operator_sessions.last_seen_at as session_last_seen_at",
				"operators.id",
				"operators.email",
				"operators.email_lower",
				"operators.password_hash",
				"operators.setup_claim",
				"operators.created_at",
			])
			.where("operator_sessions.id", "=", id)
			.executeTakeFirst();
		if (!row) return null;
		return {
			session: {
				id: row.session_id,
				operatorId: row.id,
				secretHash: row.session_secret_hash,
				createdAt: toNumber(row.session_created_at),
				lastSeenAt: toNumber(row.session_last_seen_at),
			},
			operator: operatorFromRow(row),
		};
	}

	async touchOperatorSession(id: string, lastSeenAt: number): Promise<void> {
		await this.dashboardDb
			.updateTable("operator_sessions")
			.set({ last_seen_at: lastSeenAt })
			.where("id", "=", id)
			.execute();
	}

	async deleteOperatorSession(id: string): Promise<void> {
		await this.dashboardDb.deleteFrom("operator_sessions").where("id", "=", id).execute();
	}

	async countLoginFailures(emailLower: string, since: number): Promise<number> {
		const { count } = await this.dashboardDb
			.selectFrom("login_failures")
			.select((eb) => eb.fn.countAll<number | string>().as("count"))
			.where("email_lower", "=", emailLower)
			.where("failed_at", ">", since)
			.executeTakeFirstOrThrow();
		return toNumber(count);
	}

	async recordLoginFailure(emailLower: string, failedAt: number, options: { pruneBefore: number }): Promise<void> {
		await this.dashboardDb.transaction().execute(async (trx) => {
			await trx
				.deleteFrom("login_failures")
				.where("email_lower", "=", emailLower)
				.where("failed_at", "<=", options.pruneBefore)
				.execute();
			await trx.insertInto("login_failures").values({ email_lower: emailLower, failed_at: failedAt }).execute();
		});
	}

	async clearLoginFailures(emailLower: string): Promise<void> {
		await this.dashboardDb.deleteFrom("login_failures").where("email_lower", "=", emailLower).execute();
	}

	async countAppAuthTokens(appId: string): Promise<number> {
		const { count } = await this.db
			.selectFrom("auth_tokens")
			.select((eb) => eb.fn.countAll<number | string>().as("count"))
			.where("app_id", "=", appId)
			.executeTakeFirstOrThrow();
		return toNumber(count);
	}
}

// ---------------------------------------------------------------------------------------------------------
// Dashboard (issue 8): its tables and row mapping. Kept here rather than in rows.ts so the dashboard's
// storage is one section; `withTables` adds these tables to the typed database above.
// ---------------------------------------------------------------------------------------------------------

/** Thrown inside claimSetupToken's transaction to roll it back. */
class SetupClaimRefused extends Error {}

// A type alias, not an interface: withTables needs the implicit index signature.
type DashboardTables = {
	operators: {
		id: string;
		email: string;
		email_lower: string;
		password_hash: string;
		setup_claim: number | null;
		created_at: number | string;
	};
	operator_sessions: {
		id: string;
		operator_id: string;
		secret_hash: string;
		created_at: number | string;
		last_seen_at: number | string;
	};
	setup_tokens: { id: string; secret_hash: string; created_at: number | string; expires_at: number | string };
	login_failures: { email_lower: string; failed_at: number | string };
};

function operatorFromRow(row: DashboardTables["operators"]): OperatorRecord {
	return {
		id: row.id,
		email: row.email,
		emailLower: row.email_lower,
		passwordHash: row.password_hash,
		createdAt: toNumber(row.created_at),
	};
}

function operatorToRow(operator: OperatorRecord, setupClaim: number | null): DashboardTables["operators"] {
	return {
		id: operator.id,
		email: operator.email,
		email_lower: operator.emailLower,
		password_hash: operator.passwordHash,
		setup_claim: setupClaim,
		created_at: operator.createdAt,
	};
}
