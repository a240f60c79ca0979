/**
 * The persistence boundary. Domain-shaped, not generic CRUD: each method is one thing a rule needs,
 * and every dialect difference stays behind it. Times are milliseconds since the Unix epoch.
 */

export type KeyScope = "fullAccess" | "authOnly";

export interface AppRecord {
	id: string;
	name: string;
	region: string;
	/** HMAC secret for this app's realtime JWTs; kept in the database so every node signs alike. */
	jwtSecret: string;
	createdAt: number;
}

export interface ApiKeyRecord {
	id: string;
	appId: string;
	name: string;
	scope: KeyScope;
	secretHash: string;
	createdBy: string | null;
	createdAt: number;
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
	deactivated: "exclude" | "include" | "only";
}

export interface ApiKeyQuery extends PageRequest {
	scope?: KeyScope;
	searchKey?: string;
}

export type UserPatch = Partial<
	Pick<UserRecord, "name" | "avatar" | "link" | "role" | "statusMessage" | "metadata" | "tags" | "updatedAt">
>;

export type AuthTokenPatch = Partial<Pick<AuthTokenRecord, "platform" | "userAgent" | "deviceId" | "appInfo">>;

export interface Session {
	token: AuthTokenRecord;
	user: UserRecord;
}

export interface Store {
	/** Brings the schema up to date; safe to call on every start and from several nodes. */
	migrate(): Promise<void>;
	close(): Promise<void>;

	/** Creates an app with its first keys and users in one transaction. */
	insertApp(app: AppRecord, keys: ApiKeyRecord[], users: UserRecord[]): Promise<void>;
	getApp(id: string): Promise<AppRecord | null>;
	listApps(): Promise<AppRecord[]>;

	/** Inserts unless the app already has `maxPerApp` keys; false at the cap. */
	insertApiKey(key: ApiKeyRecord, options: { maxPerApp: number }): Promise<boolean>;
	getApiKey(id: string): Promise<ApiKeyRecord | null>;
	listApiKeys(appId: string, query: ApiKeyQuery): Promise<Page<ApiKeyRecord>>;
	updateApiKey(appId: string, id: string, patch: { name?: string; scope?: KeyScope }): Promise<ApiKeyRecord | null>;
	deleteApiKey(appId: string, id: string): Promise<boolean>;

	/** False when the uid is taken in that app (also by a deactivated user). */
	insertUser(user: UserRecord): Promise<boolean>;
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
	 * Inserts a token and evicts the user's oldest beyond `maxPerUser`, atomically even across nodes.
	 * Returns the evicted token ids, or null when the user does not exist.
	 */
	insertAuthToken(token: AuthTokenRecord, options: { maxPerUser: number }): Promise<string[] | null>;
	/** The token with its user, in one lookup: the hot path of every authenticated call. */
	getSession(tokenId: string): Promise<Session | null>;
	listAuthTokens(appId: string, uid: string, page: PageRequest): Promise<Page<AuthTokenRecord>>;
	updateAuthToken(id: string, patch: AuthTokenPatch): Promise<AuthTokenRecord | null>;
	touchAuthToken(id: string, lastUsedAt: number): Promise<void>;
	deleteAuthToken(id: string): Promise<boolean>;
	/** Deletes every token of a user; returns their ids. */
	deleteUserAuthTokens(appId: string, uid: string): Promise<string[]>;
	/** Which of these token ids still exist (for re-checking live sockets after a missed notification). */
	findExistingAuthTokenIds(ids: string[]): Promise<string[]>;
}
