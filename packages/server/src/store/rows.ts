import type { Generated, Selectable } from "kysely";
import { toNumber } from "./dialects.ts";
import type { ApiKeyRecord, AppRecord, AuthTokenRecord, KeyScope, UserRecord } from "./store.ts";

type Int = number | string;

export interface AppsTable {
	id: string;
	name: string;
	region: string;
	jwt_secret: string;
	created_at: Int;
}

export interface ApiKeysTable {
	id: string;
	app_id: string;
	name: string;
	scope: string;
	secret_hash: string;
	created_by: string | null;
	created_at: Int;
}

export interface UsersTable {
	app_id: string;
	uid: string;
	name: string;
	name_lower: string;
	avatar: string | null;
	link: string | null;
	role: string;
	status_message: string | null;
	metadata: string | null;
	tags: string;
	is_sample: number;
	created_at: Int;
	updated_at: Int | null;
	deactivated_at: Int | null;
	last_active_at: Int | null;
}

export interface AuthTokensTable {
	id: string;
	app_id: string;
	uid: string;
	secret_hash: string;
	platform: string | null;
	user_agent: string | null;
	device_id: string | null;
	app_info: string | null;
	created_at: Int;
	last_used_at: Int | null;
}

export interface Tables {
	apps: AppsTable;
	api_keys: ApiKeysTable;
	users: UsersTable;
	auth_tokens: AuthTokensTable;
	kysely_migration: { name: string; timestamp: Generated<string> };
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
	};
}

export function appToRow(app: AppRecord): AppsTable {
	return { id: app.id, name: app.name, region: app.region, jwt_secret: app.jwtSecret, created_at: app.createdAt };
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
	};
}
