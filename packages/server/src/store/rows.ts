import type { Selectable } from "kysely";
import type {
	ApiKeyRecord,
	AppRecord,
	AuthTokenRecord,
	ClientUserField,
	KeyScope,
	OperatorRecord,
	OperatorSessionRecord,
	SetupTokenRecord,
	StoredSecuritySettings,
	UserRecord,
} from "./store.ts";
import type {
	ApiKeysTable,
	AppsTable,
	AuthTokensTable,
	OperatorSessionsTable,
	OperatorsTable,
	SetupTokensTable,
	UsersTable,
} from "./tables.ts";

type Int = number | string;

/** PostgreSQL answers bigint columns as strings; SQLite as numbers. */
export function toNumber(value: Int | bigint): number {
	return typeof value === "number" ? value : Number(value);
}

function toNullableNumber(value: Int | null): number | null {
	return value === null ? null : toNumber(value);
}

function parseJSONObject(text: string | null): Record<string, unknown> | null {
	return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

export function appFromRow(row: Selectable<AppsTable>): AppRecord {
	return {
		id: row.id,
		name: row.name,
		region: row.region,
		jwtSecret: row.jwt_secret,
		createdAt: toNumber(row.created_at),
		// Absent, not null, when the app keeps the default: most apps, and what callers compare against.
		...(row.client_user_fields !== null && {
			clientUserFields: JSON.parse(row.client_user_fields) as ClientUserField[],
		}),
		...(row.security !== null && { security: JSON.parse(row.security) as StoredSecuritySettings }),
	};
}

export function appToRow(app: AppRecord): AppsTable {
	return {
		id: app.id,
		name: app.name,
		region: app.region,
		jwt_secret: app.jwtSecret,
		created_at: app.createdAt,
		client_user_fields: app.clientUserFields === undefined ? null : JSON.stringify(app.clientUserFields),
		security: app.security === undefined ? null : JSON.stringify(app.security),
	};
}

export function apiKeyFromRow(row: Selectable<ApiKeysTable>): ApiKeyRecord {
	return {
		id: row.id,
		appId: row.app_id,
		name: row.name,
		scope: row.scope as KeyScope,
		secretHash: row.secret_hash,
		createdBy: row.created_by,
		createdAt: toNumber(row.created_at),
		// Absent, not null, when unset: most keys, and what callers compare against.
		...(row.expires_at !== null && row.expires_at !== undefined && { expiresAt: toNumber(row.expires_at) }),
		...(row.last_used_at !== null && row.last_used_at !== undefined && { lastUsedAt: toNumber(row.last_used_at) }),
	};
}

export function apiKeyToRow(key: ApiKeyRecord): ApiKeysTable {
	return {
		id: key.id,
		app_id: key.appId,
		name: key.name,
		scope: key.scope,
		secret_hash: key.secretHash,
		created_by: key.createdBy,
		created_at: key.createdAt,
		expires_at: key.expiresAt ?? null,
		last_used_at: key.lastUsedAt ?? null,
	};
}

export function userFromRow(row: Selectable<UsersTable>): UserRecord {
	return {
		appId: row.app_id,
		uid: row.uid,
		name: row.name,
		avatar: row.avatar,
		link: row.link,
		role: row.role,
		statusMessage: row.status_message,
		metadata: parseJSONObject(row.metadata),
		tags: JSON.parse(row.tags) as string[],
		isSample: row.is_sample === 1,
		createdAt: toNumber(row.created_at),
		updatedAt: toNullableNumber(row.updated_at),
		deactivatedAt: toNullableNumber(row.deactivated_at),
		lastActiveAt: toNullableNumber(row.last_active_at),
	};
}

export function userToRow(user: UserRecord): UsersTable {
	return {
		app_id: user.appId,
		uid: user.uid,
		name: user.name,
		name_lower: user.name.toLowerCase(),
		avatar: user.avatar,
		link: user.link,
		role: user.role,
		status_message: user.statusMessage,
		metadata: user.metadata === null ? null : JSON.stringify(user.metadata),
		tags: JSON.stringify(user.tags),
		is_sample: user.isSample ? 1 : 0,
		created_at: user.createdAt,
		updated_at: user.updatedAt,
		deactivated_at: user.deactivatedAt,
		last_active_at: user.lastActiveAt,
	};
}

export function authTokenFromRow(row: Selectable<AuthTokensTable>): AuthTokenRecord {
	return {
		id: row.id,
		appId: row.app_id,
		uid: row.uid,
		secretHash: row.secret_hash,
		platform: row.platform,
		userAgent: row.user_agent,
		deviceId: row.device_id,
		appInfo: parseJSONObject(row.app_info),
		createdAt: toNumber(row.created_at),
		lastUsedAt: toNullableNumber(row.last_used_at),
	};
}

export function authTokenToRow(token: AuthTokenRecord): AuthTokensTable {
	return {
		id: token.id,
		app_id: token.appId,
		uid: token.uid,
		secret_hash: token.secretHash,
		platform: token.platform,
		user_agent: token.userAgent,
		device_id: token.deviceId,
		app_info: token.appInfo === null ? null : JSON.stringify(token.appInfo),
		created_at: token.createdAt,
		last_used_at: token.lastUsedAt,
		...(token.ciphertext ? { token_ciphertext: token.ciphertext } : {}),
	};
}

export function operatorFromRow(row: Selectable<OperatorsTable>): OperatorRecord {
	return {
		id: row.id,
		email: row.email,
		emailLower: row.email_lower,
		passwordHash: row.password_hash,
		createdAt: toNumber(row.created_at),
	};
}

/** `setupClaim` is 1 for the operator the one-time setup link creates, null for every other. */
export function operatorToRow(operator: OperatorRecord, setupClaim: 1 | null): OperatorsTable {
	return {
		id: operator.id,
		email: operator.email,
		email_lower: operator.emailLower,
		password_hash: operator.passwordHash,
		setup_claim: setupClaim,
		created_at: operator.createdAt,
	};
}

export function operatorSessionFromRow(row: Selectable<OperatorSessionsTable>): OperatorSessionRecord {
	return {
		id: row.id,
		operatorId: row.operator_id,
		secretHash: row.secret_hash,
		createdAt: toNumber(row.created_at),
		lastSeenAt: toNumber(row.last_seen_at),
	};
}

export function operatorSessionToRow(session: OperatorSessionRecord): OperatorSessionsTable {
	return {
		id: session.id,
		operator_id: session.operatorId,
		secret_hash: session.secretHash,
		created_at: session.createdAt,
		last_seen_at: session.lastSeenAt,
	};
}

export function setupTokenFromRow(row: Selectable<SetupTokensTable>): SetupTokenRecord {
	return {
		id: row.id,
		secretHash: row.secret_hash,
		createdAt: toNumber(row.created_at),
		expiresAt: toNumber(row.expires_at),
	};
}

export function setupTokenToRow(token: SetupTokenRecord): SetupTokensTable {
	return { id: token.id, secret_hash: token.secretHash, created_at: token.createdAt, expires_at: token.expiresAt };
}
