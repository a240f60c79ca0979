/**
 * The persistence boundary. Domain-shaped, not generic CRUD: each method is one thing a rule needs,
 * and every dialect difference stays behind it. Times are milliseconds since the Unix epoch.
 */

import type { AuditWrite } from "../audit/audit-event.ts";
import type { AuditStore } from "./audit-log.ts";
import type {
	ClaimedWebhookDelivery,
	ClaimRequest,
	WebhookAttemptOutcome,
	WebhookDeliveryRecord,
	WebhookPatch,
	WebhookRecord,
} from "./webhooks.ts";

export type KeyScope = "fullAccess" | "authOnly";

/** The optional user fields an app may show to its clients (issue 14); uid, name, status and role always show. */
export type ClientUserField =
	| "avatar"
	| "link"
	| "metadata"
	| "statusMessage"
	| "createdAt"
	| "updatedAt"
	| "tags"
	| "lastActiveAt";

export interface AppRecord {
	id: string;
	name: string;
	region: string;
	/** HMAC secret for this app's realtime JWTs; kept in the database so every node signs alike. */
	jwtSecret: string;
	createdAt: number;
	/** The user fields this app's clients may read; absent means the default (domain/client-user-fields.ts). */
	clientUserFields?: ClientUserField[];
	/** The security settings the app set explicitly (domain/security.ts fills in the rest); absent: all defaults. */
	security?: StoredSecuritySettings;
}

/**
 * Per-app security settings as stored: only what was set explicitly, so a default that changes later, or one
 * implied by another setting (production mode disables Auth Key logins), still applies to the rest.
 */
export interface StoredSecuritySettings {
	tokenIdleTimeoutSeconds?: number | null;
	tokenMaxLifetimeSeconds?: number | null;
	authKeyLogin?: "enabled" | "disabled" | "allowlist";
	authKeyUidAllowlist?: string[];
	authKeyOriginAllowlist?: string[];
	productionMode?: boolean;
	tokenStorage?: "hashed" | "retrievable";
}

/** What deleting an app removed with it. */
export interface DeletedAppCounts {
	users: number;
	authTokens: number;
	apiKeys: number;
}

export interface ApiKeyRecord {
	id: string;
	appId: string;
	name: string;
	scope: KeyScope;
	secretHash: string;
	createdBy: string | null;
	createdAt: number;
	/** When the key stops working (issue 15); absent or null: never. */
	expiresAt?: number | null;
	/** The last recorded use (written behind, at most once a minute per key); absent or null: never used. */
	lastUsedAt?: number | null;
}

/** What an update may change of a key; `expiresAt: null` removes the expiry. */
export interface ApiKeyPatch {
	name?: string;
	scope?: KeyScope;
	expiresAt?: number | null;
}

export interface UserRecord {
	appId: string;
	uid: string;
	name: string;
	avatar: string | null;
	link: string | null;
	role: string;
	statusMessage: string | null;
	metadata: Record<string, unknown> | null;
	tags: string[];
	isSample: boolean;
	createdAt: number;
	updatedAt: number | null;
	deactivatedAt: number | null;
	lastActiveAt: number | null;
}

export interface AuthTokenRecord {
	id: string;
	appId: string;
	uid: string;
	secretHash: string;
	platform: string | null;
	userAgent: string | null;
	deviceId: string | null;
	appInfo: Record<string, unknown> | null;
	createdAt: number;
	lastUsedAt: number | null;
	/** The client address of the last recorded use (written behind with `lastUsedAt`); absent or null: none yet. */
	lastUsedIp?: string | null;
	/** Retrievable storage only: the token encrypted (domain/token-cipher.ts); absent or null for hashed apps. */
	ciphertext?: string | null;
}

/** Which of an app's tokens a revocation takes: all of them, narrowed by each field given. */
export interface AuthTokenSelection {
	/** Only this user's tokens. */
	uid?: string;
	/** Only tokens created strictly before this time. */
	createdBefore?: number;
	/** All but this token. */
	exceptId?: string;
}

export interface Page<T> {
	items: T[];
	total: number;
}

export interface PageRequest {
	limit: number;
	offset: number;
}

export interface UserQuery extends PageRequest {
	/** Prefix match on uid and/or name, case-insensitive. */
	searchKey?: string;
	searchIn: Array<"uid" | "name">;
	roles?: string[];
	tags?: string[];
	/** Only these uids (already folded to lower case). */
	uids?: string[];
	deactivated: "exclude" | "include" | "only";
	/**
	 * Only users online (or offline): online means a presence row on a node whose heartbeat is at or after
	 * `aliveSince` (domain/presence.ts).
	 */
	presence?: { status: "online" | "offline"; aliveSince: number };
	/**
	 * `uid` (the default) or `newest`: creation time descending, equal times by uid, so every row has one place and
	 * pages neither repeat nor skip a user.
	 */
	order?: "uid" | "newest";
}

export interface ApiKeyQuery extends PageRequest {
	scope?: KeyScope;
	searchKey?: string;
}

export type UserPatch = Partial<
	Pick<UserRecord, "name" | "avatar" | "link" | "role" | "statusMessage" | "metadata" | "tags" | "updatedAt">
>;

export type AuthTokenPatch = Partial<Pick<AuthTokenRecord, "platform" | "userAgent" | "deviceId" | "appInfo">>;

/** One user of an import batch (issue 18): the row to insert when the uid is free, the patch when it is taken. */
export interface UserImportEntry {
	user: UserRecord;
	patch: UserPatch;
}

/** What a batch import did with one entry; "quota": not created, the app had no room left for a new user. */
export type UserImportOutcome = "created" | "updated" | "skipped" | "quota";

export interface UserImportOptions {
	/** A taken uid (a deactivated user's too): apply the entry's patch, or leave the user alone. */
	onExisting: "update" | "skip";
	/** At most this many entries are created; the rest of the new ones are "quota". */
	maxNewUsers: number;
	/** Work out the outcomes only: nothing is written. */
	dryRun?: boolean;
}

export interface Session {
	token: AuthTokenRecord;
	user: UserRecord;
}

// The dashboard (issue 8): operators of the admin console, their sessions, the one-time setup link.

export interface OperatorRecord {
	id: string;
	email: string;
	/** The email folded to lower case: the unique login name. */
	emailLower: string;
	/** An Argon2id PHC string; never shown or logged. */
	passwordHash: string;
	createdAt: number;
}

export interface OperatorSessionRecord {
	id: string;
	operatorId: string;
	secretHash: string;
	createdAt: number;
	lastSeenAt: number;
}

/** A dashboard sign-in counter (issue 12) after an increment. */
export interface SignInCount {
	count: number;
	windowStartedAt: number;
}

export interface SetupTokenRecord {
	id: string;
	secretHash: string;
	createdAt: number;
	expiresAt: number;
}

/** An operator as the console's Operators page lists them (issue 17): no password hash. */
export interface OperatorSummary {
	id: string;
	email: string;
	/** Given when accepting an invite; null for operators made by the setup link or the CLI. */
	name: string | null;
	createdAt: number;
}

/** A one-time invite to become an operator (issue 17); only a hash of its link's secret is kept. */
export interface OperatorInviteRecord {
	id: string;
	secretHash: string;
	email: string;
	emailLower: string;
	/** The inviting operator's email. */
	invitedBy: string;
	createdAt: number;
	expiresAt: number;
}

/** What claimOperatorInvite did: `invalid` for an unknown, used or expired invite; `emailTaken` keeps the invite. */
export type OperatorInviteClaim = "created" | "invalid" | "emailTaken";

/** What deleteOperator did: `last` (nothing deleted) when it is the only operator left. */
export type OperatorRemoval = "removed" | "last" | "notFound";

/** A dashboard flash (issue 17): a one-time secret for one operator session, sealed by the dashboard. */
export interface DashboardFlashRecord {
	id: string;
	sessionId: string;
	sealed: string;
	createdAt: number;
	expiresAt: number;
}

/** The audit log's methods (issue 16) live beside their queries, in audit-log.ts. */
export interface Store extends AuditStore {
	/** Brings the schema up to date; safe to call on every start and from several nodes. */
	migrate(): Promise<void>;
	close(): Promise<void>;
	/**
	 * A number that changes whenever another process commits to the same database (SQLite's `data_version`:
	 * this store's own commits leave it alone); null on PostgreSQL, whose nodes announce changes themselves.
	 */
	readChangeCounter(): Promise<number | null>;

	/** Creates an app with its first keys and users in one transaction. */
	insertApp(app: AppRecord, keys: ApiKeyRecord[], users: UserRecord[]): Promise<void>;
	/**
	 * Like insertApp, but only while no app exists at all; false when one does. Several nodes starting at once
	 * on an empty database create exactly one first app.
	 */
	insertFirstApp(app: AppRecord, keys: ApiKeyRecord[], users: UserRecord[]): Promise<boolean>;
	getApp(id: string): Promise<AppRecord | null>;
	listApps(): Promise<AppRecord[]>;
	/** Sets the app's name; null when there is no such app. */
	renameApp(id: string, name: string): Promise<AppRecord | null>;
	/** Sets the app's client-visible user fields (null: the default); null when there is no such app. */
	setAppClientUserFields(id: string, fields: ClientUserField[] | null): Promise<AppRecord | null>;
	/** Forgets every retrievable token's ciphertext of the app (back to hashed storage). */
	dropAuthTokenCiphertexts(appId: string): Promise<void>;
	/** Replaces the app's stored security settings; null when there is no such app. */
	setAppSecurity(id: string, security: StoredSecuritySettings): Promise<AppRecord | null>;
	/**
	 * Deletes the app with every user, auth token and API key of it, in one transaction; how many of each went,
	 * or null when there is no such app.
	 */
	deleteApp(id: string): Promise<DeletedAppCounts | null>;

	/** Inserts unless the app already has `maxPerApp` keys; false at the cap. */
	insertApiKey(key: ApiKeyRecord, options: { maxPerApp: number }): Promise<boolean>;
	getApiKey(id: string): Promise<ApiKeyRecord | null>;
	listApiKeys(appId: string, query: ApiKeyQuery): Promise<Page<ApiKeyRecord>>;
	updateApiKey(appId: string, id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | null>;
	deleteApiKey(appId: string, id: string): Promise<boolean>;
	/**
	 * In one transaction: inserts `key` unless the app already has `maxPerApp` keys, and makes the replaced key
	 * expire at `replaced.expiresAt` (or keeps its earlier expiry). The replaced key as it now is; "quota" at the cap;
	 * null when the replaced key is not of that app (nothing inserted).
	 */
	rotateApiKey(
		key: ApiKeyRecord,
		replaced: { id: string; expiresAt: number },
		options: { maxPerApp: number },
	): Promise<ApiKeyRecord | "quota" | null>;
	/** Records a use of the key. */
	touchApiKey(id: string, lastUsedAt: number): Promise<void>;

	/** False when the uid is taken in that app (also by a deactivated user). */
	insertUser(user: UserRecord): Promise<boolean>;
	/** How many users the app holds (deactivated ones too), counting no further than `upTo` index entries. */
	countUsers(appId: string, upTo: number): Promise<number>;
	/** How many auth tokens the app holds, counting no further than `upTo` index entries. */
	countAuthTokens(appId: string, upTo: number): Promise<number>;
	/** Returns deactivated users too; the domain decides what they may do. */
	getUser(appId: string, uid: string): Promise<UserRecord | null>;
	listUsers(appId: string, query: UserQuery): Promise<Page<UserRecord>>;
	updateUser(
		appId: string,
		uid: string,
		patch: UserPatch,
		unset: Array<"avatar" | "link" | "metadata">,
	): Promise<UserRecord | null>;
	setUserDeactivatedAt(appId: string, uid: string, deactivatedAt: number | null): Promise<boolean>;
	/** Deletes the user and every token of theirs; returns the deleted token ids, or null when no such user. */
	deleteUser(appId: string, uid: string): Promise<string[] | null>;
	/**
	 * Writes a batch of the app's users in one transaction: a free uid is inserted (exactly one of several racers
	 * creates it), a taken one is patched or skipped. One outcome per entry, in order; the uids must be distinct.
	 */
	importUsers(appId: string, entries: UserImportEntry[], options: UserImportOptions): Promise<UserImportOutcome[]>;

	/**
	 * Inserts a token and evicts the user's oldest beyond `maxPerUser`, atomically even across nodes.
	 * Returns the evicted token ids, or null when the user does not exist or is deactivated.
	 * `audit` events are inserted in the same transaction (no extra commit), only when the token is; their failure
	 * does not fail the insert.
	 */
	insertAuthToken(
		token: AuthTokenRecord,
		options: { maxPerUser: number; audit?: AuditWrite },
	): Promise<string[] | null>;
	/** The token with its user, in one lookup: the hot path of every authenticated call. */
	getSession(tokenId: string): Promise<Session | null>;
	listAuthTokens(appId: string, uid: string, page: PageRequest): Promise<Page<AuthTokenRecord>>;
	updateAuthToken(id: string, patch: AuthTokenPatch): Promise<AuthTokenRecord | null>;
	/** Records a use of the token; with `ip`, also the client address it came from. */
	touchAuthToken(id: string, lastUsedAt: number, options?: { ip?: string }): Promise<void>;
	deleteAuthToken(id: string): Promise<boolean>;
	/** Deletes every token of a user; returns their ids. */
	deleteUserAuthTokens(appId: string, uid: string): Promise<string[]>;
	/** Deletes the app's tokens that `selection` picks, in one statement; returns their ids. */
	deleteAuthTokens(appId: string, selection: AuthTokenSelection): Promise<string[]>;
	/**
	 * Which of these token ids still work: the token exists and its user is active. For re-checking live
	 * sockets after a missed notification or a revocation made by another process.
	 */
	findExistingAuthTokenIds(ids: string[]): Promise<string[]>;

	// ---- Presence (issue 14): which users hold a live authenticated socket on some node ----

	/**
	 * Records that node `nodeId` is alive at `now`. False when the node had no row: its first beat, or another node
	 * pruned it as crashed (then its presence rows are gone and the node must insert them again).
	 */
	beatPresenceNode(nodeId: string, now: number): Promise<boolean>;
	/** Marks the user present on the node (idempotent). */
	insertPresence(appId: string, uid: string, nodeId: string, now: number): Promise<void>;
	/**
	 * The node's last socket of the user closed: deletes the row and sets the user's `lastActiveAt` to `now`,
	 * in one transaction.
	 */
	deletePresence(appId: string, uid: string, nodeId: string, now: number): Promise<void>;
	/**
	 * Deletes the nodes whose heartbeat is older than `staleBefore` (crashed) and, with them, `nodeId` itself
	 * when given (a clean shutdown), with their presence rows; each user who was present there gets `lastActiveAt`
	 * set to that node's last heartbeat (or `now` for `nodeId`) unless it is already later. With `sweepOrphans`,
	 * also the rows of nodes that have no row (a scan of the whole table). How many rows went.
	 */
	prunePresenceNodes(
		staleBefore: number,
		now: number,
		options?: { nodeId?: string; sweepOrphans?: boolean },
	): Promise<number>;
	/** Which of these uids are online: present on a node whose heartbeat is at or after `aliveSince`. */
	listOnlineUids(appId: string, uids: string[], aliveSince: number): Promise<string[]>;

	// ---- Dashboard (issue 8): operators, their sessions, the setup link, login-failure counters ----

	countOperators(): Promise<number>;
	/** False when the email is taken. */
	insertOperator(operator: OperatorRecord): Promise<boolean>;
	getOperatorByEmail(emailLower: string): Promise<OperatorRecord | null>;

	/** Stores a setup token and deletes the expired ones. */
	insertSetupToken(token: SetupTokenRecord): Promise<void>;
	getSetupToken(id: string): Promise<SetupTokenRecord | null>;
	/**
	 * In one transaction: deletes the live token `id` whose secret hashes to `secretHash`, and creates
	 * `operator` as the first operator. False (and nothing created) when the token is unknown, used or
	 * expired at `now`, or an operator already exists; exactly one of several racers wins. Using a link
	 * voids every other setup link.
	 */
	claimSetupToken(id: string, secretHash: string, now: number, operator: OperatorRecord): Promise<boolean>;

	/** Stores a session and deletes every session created before `pruneCreatedBefore`. */
	insertOperatorSession(session: OperatorSessionRecord, options: { pruneCreatedBefore: number }): Promise<void>;
	getOperatorSession(id: string): Promise<{ session: OperatorSessionRecord; operator: OperatorRecord } | null>;
	touchOperatorSession(id: string, lastSeenAt: number): Promise<void>;
	deleteOperatorSession(id: string): Promise<void>;

	// ---- Dashboard lifecycle (issue 17): the operator list, invites, removal, passwords ----

	/** Every operator, oldest first. */
	listOperators(): Promise<OperatorSummary[]>;
	/** Stores an invite and deletes the expired ones. */
	insertOperatorInvite(invite: OperatorInviteRecord): Promise<void>;
	getOperatorInvite(id: string): Promise<OperatorInviteRecord | null>;
	/** Invites not expired at `now`, newest first. */
	listOperatorInvites(now: number): Promise<OperatorInviteRecord[]>;
	/** False when there was no such invite. */
	deleteOperatorInvite(id: string): Promise<boolean>;
	/**
	 * In one transaction: deletes the live invite `id` whose secret hashes to `secretHash` and creates
	 * `operator` (named `options.name`). Of several racers exactly one gets `created`; when the email is
	 * taken by then, nothing changes and the invite stays.
	 */
	claimOperatorInvite(
		id: string,
		secretHash: string,
		now: number,
		operator: OperatorRecord,
		options: { name: string | null },
	): Promise<OperatorInviteClaim>;
	/**
	 * Deletes an operator and all their sessions, unless it is the last operator: two removals at the same
	 * moment cannot leave none.
	 */
	deleteOperator(id: string): Promise<OperatorRemoval>;
	/** Sets a new password hash and deletes the operator's sessions except `keepSessionId`, together. */
	updateOperatorPassword(id: string, passwordHash: string, options: { keepSessionId?: string }): Promise<boolean>;
	/** Deletes every session of the operator (all but `exceptSessionId` when given); how many went. */
	deleteOperatorSessions(operatorId: string, options: { exceptSessionId?: string }): Promise<number>;
	/** Stores a dashboard flash and deletes the expired ones (issue 17). */
	insertDashboardFlash(flash: DashboardFlashRecord): Promise<void>;
	/**
	 * Deletes and returns the sealed payload of flash `id` when it belongs to `sessionId` and has not expired at
	 * `now`; null otherwise. One statement, so of two readers exactly one gets it.
	 */
	consumeDashboardFlash(id: string, sessionId: string, now: number): Promise<string | null>;

	/**
	 * Adds one to the sign-in counter `key` in one atomic statement and returns the new count: of several
	 * racers each sees a different count. A counter whose window started `windowMs` or more before `now`
	 * starts again at 1 with its window at `now`. Also deletes every counter whose window has passed.
	 */
	incrementSignInCounter(key: string, now: number, options: { windowMs: number }): Promise<SignInCount>;
	/** Takes one back (an attempt that turned out not to be a failure); never below 0. */
	decrementSignInCounter(key: string): Promise<void>;
	deleteSignInCounter(key: string): Promise<void>;

	/** How many auth tokens the app's users hold (the dashboard's overview). */
	countAppAuthTokens(appId: string): Promise<number>;

	// ---- Webhooks (issue 16): an app's endpoints and their delivery outbox (store/webhooks.ts) ----

	/** Inserts unless the app already has `maxPerApp` webhooks; false at the cap. */
	insertWebhook(webhook: WebhookRecord, options: { maxPerApp: number }): Promise<boolean>;
	getWebhook(appId: string, id: string): Promise<WebhookRecord | null>;
	/** The app's webhooks, oldest first. */
	listWebhooks(appId: string): Promise<WebhookRecord[]>;
	updateWebhook(appId: string, id: string, patch: WebhookPatch): Promise<WebhookRecord | null>;
	/** Deletes the webhook with its deliveries; the deleted webhook, or null when the app has no such one. */
	deleteWebhook(appId: string, id: string): Promise<WebhookRecord | null>;
	/** A webhook's deliveries, newest first. */
	listWebhookDeliveries(appId: string, webhookId: string, page: PageRequest): Promise<Page<WebhookDeliveryRecord>>;
	/**
	 * Claims due deliveries for one node until the lease ends: nodes claiming at once get different rows (on
	 * PostgreSQL `FOR UPDATE SKIP LOCKED`).
	 */
	claimWebhookDeliveries(request: ClaimRequest): Promise<ClaimedWebhookDelivery[]>;
	/** Records an attempt of a delivery the node holds; false when its lease was lost meanwhile. */
	settleWebhookDelivery(id: string, nodeId: string, outcome: WebhookAttemptOutcome): Promise<boolean>;
	/** Gives back a claimed delivery unsent (shutdown): due again at once. */
	releaseWebhookDelivery(id: string, nodeId: string): Promise<void>;
	/** Deletes up to `limit` delivered or failed deliveries created before `before`; how many went. */
	deleteSettledWebhookDeliveries(before: number, limit: number): Promise<number>;

	// ---- Identity providers (issue 18): issuers whose JWTs an app exchanges for auth tokens ----

	/** Inserts unless the app has a provider of that issuer ("issuerTaken") or already `maxPerApp` providers. */
	insertIdentityProvider(
		provider: IdentityProviderRecord,
		options: { maxPerApp: number },
	): Promise<"inserted" | "issuerTaken" | "quota">;
	/** The app's providers, oldest first. */
	listIdentityProviders(appId: string): Promise<IdentityProviderRecord[]>;
	getIdentityProvider(appId: string, id: string): Promise<IdentityProviderRecord | null>;
	findIdentityProviderByIssuer(appId: string, issuer: string): Promise<IdentityProviderRecord | null>;
	/** Replaces a provider's settings; null when the app has no such provider. */
	updateIdentityProvider(provider: IdentityProviderRecord): Promise<"updated" | "issuerTaken" | null>;
	/** Deletes a provider and its subject links; false when the app has no such provider. */
	deleteIdentityProvider(appId: string, id: string): Promise<boolean>;
	/** The uid a provider's subject signed in as before; null when it never did (or that user was deleted). */
	getIdentitySubjectUid(providerId: string, subject: string): Promise<string | null>;
	/**
	 * Links the subject to the (existing) user `link.uid` unless that uid is linked already; answers the link that
	 * holds the uid afterwards, which is another subject's on a collision. One uid, one subject, even across nodes.
	 */
	linkIdentitySubject(link: IdentitySubjectLink): Promise<{ providerId: string; subject: string }>;
}

/** How a provider's uid claim that is not a valid uid is treated (docs/identity-providers.md). */
export type UidMapping = "strict" | "sanitize";

/** A trusted issuer of an app (issue 18): its JWTs are exchanged for auth tokens. */
export interface IdentityProviderRecord {
	id: string;
	appId: string;
	issuer: string;
	/** Where the issuer publishes its keys (https); null when `jwks` holds them inline. */
	jwksUri: string | null;
	/** An inline JSON Web Key Set of public keys; null when they are fetched from `jwksUri`. */
	jwks: { keys: Array<Record<string, unknown>> } | null;
	audiences: string[];
	algorithms: string[];
	uidClaim: string;
	nameClaim: string | null;
	avatarClaim: string | null;
	clockSkewSeconds: number;
	createUsers: boolean;
	uidPrefix: string | null;
	uidMapping: UidMapping;
	createdAt: number;
	updatedAt: number | null;
}

/** A provider's subject and the uid it signs in as. */
export interface IdentitySubjectLink {
	appId: string;
	providerId: string;
	subject: string;
	uid: string;
	createdAt: number;
}
