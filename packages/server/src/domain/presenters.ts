import type { ApiKeyRecord, AppRecord, AuthTokenRecord, ClientUserField, UserRecord } from "../store/store.ts";
import { toUnixSeconds } from "./clock.ts";
import { maskCredential } from "./secrets.ts";

/** The CometChat wire shapes, shared by the REST API and the CLI's `--json`. Unset fields are absent. */

export interface PresentUserOptions {
	withTags?: boolean;
	authToken?: string;
	status?: "online" | "offline";
}

export function presentUser(user: UserRecord, options: PresentUserOptions = {}): Record<string, unknown> {
	return {
		uid: user.uid,
		name: user.name,
		...(user.link !== null && { link: user.link }),
		...(user.avatar !== null && { avatar: user.avatar }),
		...(user.metadata !== null && { metadata: user.metadata }),
		status: options.status ?? "offline",
		role: user.role,
		...(user.statusMessage !== null && { statusMessage: user.statusMessage }),
		createdAt: toUnixSeconds(user.createdAt),
		...(user.updatedAt !== null && { updatedAt: toUnixSeconds(user.updatedAt) }),
		...(options.withTags && user.tags.length > 0 && { tags: user.tags }),
		...(user.lastActiveAt !== null && { lastActiveAt: toUnixSeconds(user.lastActiveAt) }),
		...(user.deactivatedAt !== null && { deactivatedAt: toUnixSeconds(user.deactivatedAt) }),
		...(user.isSample && { isSampleUser: true }),
		...(options.authToken !== undefined && { authToken: options.authToken }),
	};
}

/** What every client view of a user has, whatever the app's `clientUserFields`. */
const ALWAYS_CLIENT_VISIBLE: ReadonlySet<string> = new Set(["uid", "name", "status", "role"]);

/**
 * A user as another logged-in user sees them (issue 14): the REST shape cut to `fields`, and never the
 * `@private` part of `metadata`, `deactivatedAt` or `isSampleUser`.
 */
export function presentClientUser(
	user: UserRecord,
	fields: readonly ClientUserField[],
	options: Pick<PresentUserOptions, "withTags" | "status"> = {},
): Record<string, unknown> {
	const visible = new Set<string>([...ALWAYS_CLIENT_VISIBLE, ...fields]);
	const full = presentUser(user, options);
	const shown: Record<string, unknown> = {};
	for (const [field, value] of Object.entries(full)) {
		if (!visible.has(field)) continue;
		if (field === "metadata") {
			const { "@private": _private, ...rest } = value as Record<string, unknown>;
			if (Object.keys(rest).length > 0) shown.metadata = rest;
			continue;
		}
		shown[field] = value;
	}
	return shown;
}

/** A token; `plaintext` only at creation, otherwise its id and a mask stand in for the value. */
export function presentAuthToken(token: AuthTokenRecord, plaintext?: string): Record<string, unknown> {
	return {
		uid: token.uid,
		authToken: plaintext ?? maskCredential(token.id),
		id: token.id,
		createdAt: toUnixSeconds(token.createdAt),
		...(token.platform !== null && { platform: token.platform }),
		...(token.userAgent !== null && { userAgent: token.userAgent }),
		...(token.deviceId !== null && { deviceId: token.deviceId }),
		...(token.appInfo !== null && { appInfo: token.appInfo }),
		...(token.lastUsedAt !== null && { lastUsedAt: toUnixSeconds(token.lastUsedAt) }),
	};
}

export function presentApiKey(key: ApiKeyRecord, plaintext?: string): Record<string, unknown> {
	return {
		apiKey: plaintext ?? maskCredential(key.id),
		id: key.id,
		name: key.name,
		scope: key.scope,
		...(key.createdBy !== null && { createdBy: key.createdBy }),
		createdAt: toUnixSeconds(key.createdAt),
		expiresAt: key.expiresAt === undefined || key.expiresAt === null ? null : toUnixSeconds(key.expiresAt),
		lastUsedAt: key.lastUsedAt === undefined || key.lastUsedAt === null ? null : toUnixSeconds(key.lastUsedAt),
	};
}

export function presentApp(app: AppRecord): Record<string, unknown> {
	return { appId: app.id, name: app.name, region: app.region, createdAt: toUnixSeconds(app.createdAt) };
}

export interface Pagination {
	total: number;
	count: number;
	per_page: number;
	current_page: number;
	total_pages: number;
}

/** CometChat's pagination is Laravel's (via Fractal): an empty list still has one page. */
export function presentPagination(total: number, count: number, perPage: number, page: number): Pagination {
	return {
		total,
		count,
		per_page: perPage,
		current_page: page,
		total_pages: Math.max(1, Math.ceil(total / perPage)),
	};
}
