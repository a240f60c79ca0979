import type {
	ApiKeyRecord,
	AppRecord,
	AuthTokenRecord,
	OperatorRecord,
	OperatorSessionRecord,
	UserRecord,
} from "../src/store/store.ts";

export const T = Date.UTC(2026, 0, 1);

export function app(id: string, createdAt = T): AppRecord {
	return { id, name: `App ${id}`, region: "eu", jwtSecret: `secret-${id}`, createdAt };
}

export function user(appId: string, uid: string, overrides: Partial<UserRecord> = {}): UserRecord {
	return {
		appId,
		uid,
		name: `Name ${uid}`,
		avatar: null,
		link: null,
		role: "default",
		statusMessage: null,
		metadata: null,
		tags: [],
		isSample: false,
		createdAt: T,
		updatedAt: null,
		deactivatedAt: null,
		lastActiveAt: null,
		...overrides,
	};
}

export function apiKey(appId: string, id: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
	return {
		id,
		appId,
		name: `Key ${id}`,
		scope: "authOnly",
		secretHash: "a".repeat(64),
		createdBy: null,
		createdAt: T,
		...overrides,
	};
}

export function token(
	appId: string,
	uid: string,
	id: string,
	overrides: Partial<AuthTokenRecord> = {},
): AuthTokenRecord {
	return {
		id,
		appId,
		uid,
		secretHash: "b".repeat(64),
		platform: null,
		userAgent: null,
		deviceId: null,
		appInfo: null,
		createdAt: T,
		lastUsedAt: null,
		...overrides,
	};
}

export function operator(id: string, email: string): OperatorRecord {
	return { id, email, emailLower: email.toLowerCase(), passwordHash: `$argon2id$${id}`, createdAt: T };
}

export function operatorSession(id: string, operatorId: string, createdAt = T): OperatorSessionRecord {
	return { id, operatorId, secretHash: "c".repeat(64), createdAt, lastSeenAt: createdAt };
}

export function tokenId(n: number): string {
	return `lkat_${n.toString(16).padStart(20, "0")}`;
}
