import { type Kysely, Migrator, sql, type Transaction } from "kysely";
import type { AuditEvent, AuditWrite, OnAuditRows } from "../audit/audit-event.ts";
import * as apiKeys from "./api-keys.ts";
import * as apps from "./apps.ts";
import * as auditLog from "./audit-log.ts";
import * as authTokens from "./auth-tokens.ts";
import { createDatabase, type DialectName, type StoreLocation } from "./dialects.ts";
import * as identityProviders from "./identity-providers.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import * as operators from "./operators.ts";
import * as presence from "./presence.ts";
import type {
	ApiKeyPatch,
	ApiKeyQuery,
	ApiKeyRecord,
	AppRecord,
	AuthTokenPatch,
	AuthTokenRecord,
	AuthTokenSelection,
	ClientUserField,
	DashboardFlashRecord,
	DeletedAppCounts,
	IdentityProviderRecord,
	IdentitySubjectLink,
	OperatorInviteClaim,
	OperatorInviteRecord,
	OperatorRecord,
	OperatorRemoval,
	OperatorSessionRecord,
	OperatorSummary,
	Page,
	PageRequest,
	Session,
	SetupTokenRecord,
	SignInCount,
	Store,
	StoredSecuritySettings,
	UserImportEntry,
	UserImportOptions,
	UserImportOutcome,
	UserPatch,
	UserQuery,
	UserRecord,
} from "./store.ts";
import type { Tables } from "./tables.ts";
import * as users from "./users.ts";
import * as webhooks from "./webhooks.ts";
import { WriteQueue } from "./write-queue.ts";

export interface KyselyStoreOptions {
	/** SQLite: called after each group commit with the number of writes it held. Lets tests observe batching. */
	onCommit?: (writeCount: number) => void;
}

/**
 * The Store over Kysely: the same SQL on SQLite and PostgreSQL. The queries live in one module per table
 * group (apps, api-keys, users, auth-tokens, operators); this class holds the connection and delegates.
 * Every write goes through `write` or `atomically`: on SQLite into the group-commit queue, on PostgreSQL
 * straight to the pool (its commits already overlap across connections).
 */
export class KyselyStore implements Store {
	readonly db: Kysely<Tables>;

	private readonly dialect: DialectName;
	private readonly migrationSchema: string | undefined;
	private readonly sessionQuery: authTokens.SessionQuery;
	private readonly writeQueue: WriteQueue | null;
	private onAuditRows: OnAuditRows | null = null;

	constructor(location: StoreLocation, options: KyselyStoreOptions = {}) {
		this.db = createDatabase(location);
		this.dialect = location.kind;
		this.migrationSchema = location.kind === "postgres" ? location.schema : undefined;
		this.sessionQuery = authTokens.compileSessionQuery(this.db);
		this.writeQueue =
			location.kind === "sqlite"
				? new WriteQueue(this.db, options.onCommit ? { onCommit: options.onCommit } : {})
				: null;
		// Webhooks (issue 16): whatever records audit events through this store (the server, the CLI) also queues
		// their deliveries in the same transaction; the server replaces this with a hook that also wakes its worker.
		this.onAuditRows = async (trx, events) => {
			await webhooks.insertAuditEventDeliveries(trx, events);
		};
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
		// Writes already accepted are committed, not dropped.
		await this.writeQueue?.drain();
		await this.db.destroy();
	}

	async readChangeCounter(): Promise<number | null> {
		if (this.dialect !== "sqlite") return null;
		const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(this.db);
		return rows[0]?.data_version ?? null;
	}

	/** A write of one statement (perhaps followed by a read of what it wrote). */
	private async write<T>(work: (db: Kysely<Tables>) => Promise<T>): Promise<T> {
		return this.writeQueue ? await this.writeQueue.run(work) : await work(this.db);
	}

	/** A write whose statements must commit or roll back together. */
	private async atomically<T>(work: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
		return this.writeQueue ? await this.writeQueue.run(work) : await this.db.transaction().execute(work);
	}

	// ---- Apps ----

	async insertApp(app: AppRecord, keys: ApiKeyRecord[], users: UserRecord[]): Promise<void> {
		await this.atomically((trx) => apps.insertApp(trx, app, keys, users));
	}

	async insertFirstApp(app: AppRecord, keys: ApiKeyRecord[], users: UserRecord[]): Promise<boolean> {
		return await this.atomically((trx) => apps.insertFirstApp(trx, this.dialect, app, keys, users));
	}

	async getApp(id: string): Promise<AppRecord | null> {
		// The server reads apps through the read cache (cache/read-cache.ts); the store itself keeps nothing.
		return await apps.getApp(this.db, id);
	}

	async listApps(): Promise<AppRecord[]> {
		return await apps.listApps(this.db);
	}

	async renameApp(id: string, name: string): Promise<AppRecord | null> {
		return await this.write((db) => apps.renameApp(db, id, name));
	}

	async setAppClientUserFields(id: string, fields: ClientUserField[] | null): Promise<AppRecord | null> {
		return await this.write((db) => apps.setAppClientUserFields(db, id, fields));
	}

	async dropAuthTokenCiphertexts(appId: string): Promise<void> {
		await this.write((db) => authTokens.dropAuthTokenCiphertexts(db, appId));
	}

	async setAppSecurity(id: string, security: StoredSecuritySettings): Promise<AppRecord | null> {
		return await this.write((db) => apps.setAppSecurity(db, id, security));
	}

	async deleteApp(id: string): Promise<DeletedAppCounts | null> {
		return await this.atomically((trx) => apps.deleteApp(trx, id));
	}

	// ---- API keys ----

	async insertApiKey(key: ApiKeyRecord, options: { maxPerApp: number }): Promise<boolean> {
		return await this.atomically((trx) => apiKeys.insertApiKey(trx, key, options));
	}

	async getApiKey(id: string): Promise<ApiKeyRecord | null> {
		return await apiKeys.getApiKey(this.db, id);
	}

	async listApiKeys(appId: string, query: ApiKeyQuery): Promise<Page<ApiKeyRecord>> {
		return await apiKeys.listApiKeys(this.db, appId, query);
	}

	async updateApiKey(appId: string, id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | null> {
		return await this.write((db) => apiKeys.updateApiKey(db, appId, id, patch));
	}

	async deleteApiKey(appId: string, id: string): Promise<boolean> {
		return await this.write((db) => apiKeys.deleteApiKey(db, appId, id));
	}

	async rotateApiKey(
		key: ApiKeyRecord,
		replaced: { id: string; expiresAt: number },
		options: { maxPerApp: number },
	): Promise<ApiKeyRecord | "quota" | null> {
		try {
			return await this.atomically((trx) => apiKeys.rotateApiKey(trx, key, replaced, options));
		} catch (error) {
			if (error instanceof apiKeys.ReplacedApiKeyGoneError) return null;
			throw error;
		}
	}

	async touchApiKey(id: string, lastUsedAt: number): Promise<void> {
		await this.write((db) => apiKeys.touchApiKey(db, id, lastUsedAt));
	}

	// ---- Users ----

	async insertUser(user: UserRecord): Promise<boolean> {
		return await this.write((db) => users.insertUser(db, user));
	}

	async countUsers(appId: string, upTo: number): Promise<number> {
		return await users.countUsers(this.db, appId, upTo);
	}

	async countAuthTokens(appId: string, upTo: number): Promise<number> {
		return await authTokens.countAuthTokens(this.db, appId, upTo);
	}

	async getUser(appId: string, uid: string): Promise<UserRecord | null> {
		return await users.getUser(this.db, appId, uid);
	}

	async listUsers(appId: string, query: UserQuery): Promise<Page<UserRecord>> {
		return await users.listUsers(this.db, appId, query);
	}

	async updateUser(
		appId: string,
		uid: string,
		patch: UserPatch,
		unset: Array<"avatar" | "link" | "metadata">,
	): Promise<UserRecord | null> {
		return await this.write((db) => users.updateUser(db, appId, uid, patch, unset));
	}

	async setUserDeactivatedAt(appId: string, uid: string, deactivatedAt: number | null): Promise<boolean> {
		return await this.write((db) => users.setUserDeactivatedAt(db, appId, uid, deactivatedAt));
	}

	async deleteUser(appId: string, uid: string): Promise<string[] | null> {
		return await this.atomically((trx) => users.deleteUser(trx, appId, uid));
	}

	async importUsers(
		appId: string,
		entries: UserImportEntry[],
		options: UserImportOptions,
	): Promise<UserImportOutcome[]> {
		if (options.dryRun) return await users.importUsers(this.db, appId, entries, options);
		return await this.atomically((trx) => users.importUsers(trx, appId, entries, options));
	}

	// ---- Auth tokens ----

	async insertAuthToken(
		token: AuthTokenRecord,
		options: { maxPerUser: number; audit?: AuditWrite },
	): Promise<string[] | null> {
		const audit = options.audit;
		if (!audit) return await this.atomically((trx) => authTokens.insertAuthToken(trx, token, options));
		// The login's audit rows ride in its own write: on SQLite the same group commit, so no fsync of their own.
		try {
			return await this.atomically(async (trx) => {
				const evicted = await authTokens.insertAuthToken(trx, token, options);
				if (evicted !== null) await auditLog.insertAuditWrite(trx, audit, this.onAuditRows);
				return evicted;
			});
		} catch (error) {
			if (!(error instanceof auditLog.AuditWriteFailed)) throw error;
			// Recording never fails the login: it is reported, and the token is inserted without its rows.
			audit.onError(error.reason);
			return await this.atomically((trx) => authTokens.insertAuthToken(trx, token, options));
		}
	}

	async getSession(tokenId: string): Promise<Session | null> {
		return await authTokens.getSession(this.db, this.sessionQuery, tokenId);
	}

	async listAuthTokens(appId: string, uid: string, page: PageRequest): Promise<Page<AuthTokenRecord>> {
		return await authTokens.listAuthTokens(this.db, appId, uid, page);
	}

	async updateAuthToken(id: string, patch: AuthTokenPatch): Promise<AuthTokenRecord | null> {
		return await this.write((db) => authTokens.updateAuthToken(db, id, patch));
	}

	async touchAuthToken(id: string, lastUsedAt: number, options?: { ip?: string }): Promise<void> {
		await this.write((db) => authTokens.touchAuthToken(db, id, lastUsedAt, options));
	}

	async deleteAuthToken(id: string): Promise<boolean> {
		return await this.write((db) => authTokens.deleteAuthToken(db, id));
	}

	async deleteUserAuthTokens(appId: string, uid: string): Promise<string[]> {
		return await this.write((db) => authTokens.deleteUserAuthTokens(db, appId, uid));
	}

	async deleteAuthTokens(appId: string, selection: AuthTokenSelection): Promise<string[]> {
		return await this.write((db) => authTokens.deleteAuthTokens(db, appId, selection));
	}

	async findExistingAuthTokenIds(ids: string[]): Promise<string[]> {
		return await authTokens.findExistingAuthTokenIds(this.db, ids);
	}

	async countAppAuthTokens(appId: string): Promise<number> {
		return await authTokens.countAppAuthTokens(this.db, appId);
	}

	// ---- Webhooks (issue 16) ----

	async insertWebhook(webhook: webhooks.WebhookRecord, options: { maxPerApp: number }): Promise<boolean> {
		return await this.atomically((trx) => webhooks.insertWebhook(trx, webhook, options));
	}

	async getWebhook(appId: string, id: string): Promise<webhooks.WebhookRecord | null> {
		return await webhooks.getWebhook(this.db, appId, id);
	}

	async listWebhooks(appId: string): Promise<webhooks.WebhookRecord[]> {
		return await webhooks.listWebhooks(this.db, appId);
	}

	async updateWebhook(appId: string, id: string, patch: webhooks.WebhookPatch): Promise<webhooks.WebhookRecord | null> {
		return await this.write((db) => webhooks.updateWebhook(db, appId, id, patch));
	}

	async deleteWebhook(appId: string, id: string): Promise<webhooks.WebhookRecord | null> {
		return await this.atomically((trx) => webhooks.deleteWebhook(trx, appId, id));
	}

	async listWebhookDeliveries(
		appId: string,
		webhookId: string,
		page: PageRequest,
	): Promise<Page<webhooks.WebhookDeliveryRecord>> {
		return await webhooks.listWebhookDeliveries(this.db, appId, webhookId, page);
	}

	async claimWebhookDeliveries(request: webhooks.ClaimRequest): Promise<webhooks.ClaimedWebhookDelivery[]> {
		// An idle poll reads and stops: no write transaction (on SQLite, no fsync) when nothing is due.
		if (!(await webhooks.hasDueWebhookDeliveries(this.db, request.now))) return [];
		return await this.write((db) => webhooks.claimWebhookDeliveries(db, this.dialect, request));
	}

	async settleWebhookDelivery(id: string, nodeId: string, outcome: webhooks.WebhookAttemptOutcome): Promise<boolean> {
		return await this.write((db) => webhooks.settleWebhookDelivery(db, id, nodeId, outcome));
	}

	async releaseWebhookDelivery(id: string, nodeId: string): Promise<void> {
		await this.write((db) => webhooks.releaseWebhookDelivery(db, id, nodeId));
	}

	async deleteSettledWebhookDeliveries(before: number, limit: number): Promise<number> {
		return await this.write((db) => webhooks.deleteSettledWebhookDeliveries(db, before, limit));
	}

	// ---- Audit log (issue 16) ----

	/**
	 * Sets the hook that runs in the same transaction as every audit insert (the webhooks' outbox); the server
	 * wiring sets it once, before it serves.
	 */
	setOnAuditRows(hook: OnAuditRows | null): void {
		this.onAuditRows = hook;
	}

	async insertAuditEvents(events: AuditEvent[]): Promise<void> {
		await this.atomically((trx) => auditLog.insertAuditEvents(trx, events, this.onAuditRows));
	}

	async listAuditEvents(appId: string, query: auditLog.AuditQuery): Promise<AuditEvent[]> {
		return await auditLog.listAuditEvents(this.db, appId, query);
	}

	async deleteAuditEventsBefore(before: number, limit: number): Promise<number> {
		return await this.write((db) => auditLog.deleteAuditEventsBefore(db, before, limit));
	}

	// ---- Presence (issue 14) ----

	async beatPresenceNode(nodeId: string, now: number): Promise<boolean> {
		return await this.atomically((trx) => presence.beatPresenceNode(trx, nodeId, now));
	}

	async insertPresence(appId: string, uid: string, nodeId: string, now: number): Promise<void> {
		await this.write((db) => presence.insertPresence(db, appId, uid, nodeId, now));
	}

	async deletePresence(appId: string, uid: string, nodeId: string, now: number): Promise<void> {
		await this.atomically((trx) => presence.deletePresence(trx, appId, uid, nodeId, now));
	}

	async prunePresenceNodes(
		staleBefore: number,
		now: number,
		options: { nodeId?: string; sweepOrphans?: boolean } = {},
	): Promise<number> {
		return await this.atomically((trx) => presence.prunePresenceNodes(trx, staleBefore, now, options));
	}

	async listOnlineUids(appId: string, uids: string[], aliveSince: number): Promise<string[]> {
		return await presence.listOnlineUids(this.db, appId, uids, aliveSince);
	}

	// ---- Dashboard (issue 8): operators, their sessions, setup tokens, login failures ----

	async countOperators(): Promise<number> {
		return await operators.countOperators(this.db);
	}

	async insertOperator(operator: OperatorRecord): Promise<boolean> {
		return await this.write((db) => operators.insertOperator(db, operator));
	}

	async getOperatorByEmail(emailLower: string): Promise<OperatorRecord | null> {
		return await operators.getOperatorByEmail(this.db, emailLower);
	}

	async insertSetupToken(token: SetupTokenRecord): Promise<void> {
		await this.atomically((trx) => operators.insertSetupToken(trx, token));
	}

	async getSetupToken(id: string): Promise<SetupTokenRecord | null> {
		return await operators.getSetupToken(this.db, id);
	}

	async claimSetupToken(id: string, secretHash: string, now: number, operator: OperatorRecord): Promise<boolean> {
		try {
			return await this.atomically((trx) => operators.claimSetupToken(trx, id, secretHash, now, operator));
		} catch (error) {
			if (error instanceof operators.SetupClaimRefused) return false;
			throw error;
		}
	}

	async insertOperatorSession(session: OperatorSessionRecord, options: { pruneCreatedBefore: number }): Promise<void> {
		await this.atomically((trx) => operators.insertOperatorSession(trx, session, options));
	}

	async getOperatorSession(id: string): Promise<{ session: OperatorSessionRecord; operator: OperatorRecord } | null> {
		return await operators.getOperatorSession(this.db, id);
	}

	async touchOperatorSession(id: string, lastSeenAt: number): Promise<void> {
		await this.write((db) => operators.touchOperatorSession(db, id, lastSeenAt));
	}

	async deleteOperatorSession(id: string): Promise<void> {
		await this.write((db) => operators.deleteOperatorSession(db, id));
	}

	// ---- Dashboard lifecycle (issue 17): the operator list, invites, removal, passwords ----

	async listOperators(): Promise<OperatorSummary[]> {
		return await operators.listOperators(this.db);
	}

	async insertOperatorInvite(invite: OperatorInviteRecord): Promise<void> {
		await this.atomically((trx) => operators.insertOperatorInvite(trx, invite));
	}

	async getOperatorInvite(id: string): Promise<OperatorInviteRecord | null> {
		return await operators.getOperatorInvite(this.db, id);
	}

	async listOperatorInvites(now: number): Promise<OperatorInviteRecord[]> {
		return await operators.listOperatorInvites(this.db, now);
	}

	async deleteOperatorInvite(id: string): Promise<boolean> {
		return await this.write((db) => operators.deleteOperatorInvite(db, id));
	}

	async claimOperatorInvite(
		id: string,
		secretHash: string,
		now: number,
		operator: OperatorRecord,
		options: { name: string | null },
	): Promise<OperatorInviteClaim> {
		try {
			await this.atomically((trx) => operators.claimOperatorInvite(trx, id, secretHash, now, operator, options));
			return "created";
		} catch (error) {
			if (error instanceof operators.InviteClaimRefused) return error.outcome;
			throw error;
		}
	}

	async deleteOperator(id: string): Promise<OperatorRemoval> {
		return await this.atomically((trx) => operators.deleteOperator(trx, this.dialect, id));
	}

	async updateOperatorPassword(
		id: string,
		passwordHash: string,
		options: { keepSessionId?: string },
	): Promise<boolean> {
		return await this.atomically((trx) => operators.updateOperatorPassword(trx, id, passwordHash, options));
	}

	async deleteOperatorSessions(operatorId: string, options: { exceptSessionId?: string }): Promise<number> {
		return await this.write((db) => operators.deleteOperatorSessions(db, operatorId, options));
	}

	async insertDashboardFlash(flash: DashboardFlashRecord): Promise<void> {
		await this.write((db) => operators.insertDashboardFlash(db, flash));
	}

	async consumeDashboardFlash(id: string, sessionId: string, now: number): Promise<string | null> {
		return await this.write((db) => operators.consumeDashboardFlash(db, id, sessionId, now));
	}

	async incrementSignInCounter(key: string, now: number, options: { windowMs: number }): Promise<SignInCount> {
		const count = await this.write((db) => operators.incrementSignInCounter(db, key, now, options));
		await this.write((db) => operators.pruneSignInCounters(db, now - options.windowMs));
		return count;
	}

	async decrementSignInCounter(key: string): Promise<void> {
		await this.write((db) => operators.decrementSignInCounter(db, key));
	}

	async deleteSignInCounter(key: string): Promise<void> {
		await this.write((db) => operators.deleteSignInCounter(db, key));
	}

	// ---- Identity providers (issue 18) ----

	async insertIdentityProvider(
		provider: IdentityProviderRecord,
		options: { maxPerApp: number },
	): Promise<"inserted" | "issuerTaken" | "quota"> {
		return await this.atomically((trx) => identityProviders.insertIdentityProvider(trx, provider, options));
	}

	async listIdentityProviders(appId: string): Promise<IdentityProviderRecord[]> {
		return await identityProviders.listIdentityProviders(this.db, appId);
	}

	async getIdentityProvider(appId: string, id: string): Promise<IdentityProviderRecord | null> {
		return await identityProviders.getIdentityProvider(this.db, appId, id);
	}

	async findIdentityProviderByIssuer(appId: string, issuer: string): Promise<IdentityProviderRecord | null> {
		return await identityProviders.findIdentityProviderByIssuer(this.db, appId, issuer);
	}

	async updateIdentityProvider(provider: IdentityProviderRecord): Promise<"updated" | "issuerTaken" | null> {
		return await this.atomically((trx) => identityProviders.updateIdentityProvider(trx, provider));
	}

	async deleteIdentityProvider(appId: string, id: string): Promise<boolean> {
		return await this.atomically((trx) => identityProviders.deleteIdentityProvider(trx, appId, id));
	}

	async getIdentitySubjectUid(providerId: string, subject: string): Promise<string | null> {
		return await identityProviders.getIdentitySubjectUid(this.db, providerId, subject);
	}

	async linkIdentitySubject(link: IdentitySubjectLink): Promise<{ providerId: string; subject: string }> {
		return await this.atomically((trx) => identityProviders.linkIdentitySubject(trx, link));
	}
}
