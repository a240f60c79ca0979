import { z } from "zod";
import type { AuthTokenRecord, Page, PageRequest, Session } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { authTokenNotFound, LatchkeyError, uidNotFound } from "./errors.ts";
import { assertAuthTokenQuota } from "./quotas.ts";
import { generateCredential, parseCredential, verifySecret } from "./secrets.ts";
import { getActiveUser, normalizeUid } from "./users.ts";
import { parseInput } from "./validation.ts";

export const AUTH_TOKEN_PREFIX = "lkat_";
/** CometChat keeps the newest 100 tokens of a user and silently retires older ones. */
export const MAX_AUTH_TOKENS_PER_USER = 100;
/** `lastUsedAt` is written at most this often per token, to keep writes off the hot path. */
const TOUCH_INTERVAL_MS = 60_000;

const appInfoSchema = z.record(z.string(), z.unknown());

export const createAuthTokenSchema = z.object({
	force: z.boolean().optional(),
	platform: z.string().max(50).optional(),
	userAgent: z.string().max(255).optional(),
	deviceId: z.string().max(200).optional(),
	appInfo: appInfoSchema.optional(),
});

export const updateAuthTokenSchema = z.object({
	platform: z.string().max(50).optional(),
	userAgent: z.string().max(255).optional(),
	appInfo: appInfoSchema.optional(),
});

/** The user agent a login names: `userAgent`, else the one the SDK puts in `appInfo.userAgent`. */
export function userAgentOf(input: {
	userAgent?: string | undefined;
	appInfo?: Record<string, unknown> | undefined;
}): string | null {
	const fromAppInfo = input.appInfo?.userAgent;
	return input.userAgent ?? (typeof fromAppInfo === "string" ? fromAppInfo.slice(0, 255) : null);
}

/** The device facts the SDK sends on login; the user agent comes from `appInfo.userAgent` when not given. */
function deviceFields(
	input: z.output<typeof createAuthTokenSchema>,
): Pick<AuthTokenRecord, "platform" | "userAgent" | "deviceId" | "appInfo"> {
	return {
		platform: input.platform ?? null,
		userAgent: userAgentOf(input),
		deviceId: input.deviceId ?? null,
		appInfo: input.appInfo ?? null,
	};
}

/**
 * Mints a new auth token for an active user. Every call mints (also without `force`): only a hash is
 * stored, so an existing token can never be shown again. The user's oldest tokens beyond 100 are revoked.
 *
 * @example
 * const { token, plaintext } = await createAuthToken(deps, appId, "alice", { platform: "WEB" });
 */
export async function createAuthToken(
	deps: DomainDeps,
	appId: string,
	uid: string,
	input: unknown = {},
): Promise<{ token: AuthTokenRecord; plaintext: string }> {
	// Validation comes before existence, the order CometChat answers in.
	const parsed = parseInput(createAuthTokenSchema, input ?? {});
	const normalized = normalizeUid(uid);
	if (normalized === null) throw uidNotFound(uid.toLowerCase());
	const credential = generateCredential(AUTH_TOKEN_PREFIX);
	const token: AuthTokenRecord = {
		id: credential.id,
		appId,
		uid: normalized,
		secretHash: credential.secretHash,
		...deviceFields(parsed),
		createdAt: deps.clock.now(),
		lastUsedAt: null,
	};
	await assertAuthTokenQuota(deps, appId);
	// The insert itself checks that the user exists and is active (no lookup before it: a login is one write).
	const evicted = await deps.store.insertAuthToken(token, { maxPerUser: MAX_AUTH_TOKENS_PER_USER });
	if (evicted === null) throw uidNotFound(normalized);
	await deps.events.publish({ type: "token.created", appId, uid: normalized, tokenId: token.id });
	if (evicted.length > 0) {
		await deps.events.publish({ type: "token.revoked", appId, tokenIds: evicted, reason: "revoked" });
	}
	return { token, plaintext: credential.plaintext };
}

/**
 * Resolves a presented auth token to its session: right app, right secret, active user. Null otherwise.
 *
 * @example
 * const session = await verifyAuthToken(deps, appId, request.headers.get("authtoken") ?? "");
 */
export async function verifyAuthToken(deps: DomainDeps, appId: string, presented: string): Promise<Session | null> {
	const parsed = parseCredential(AUTH_TOKEN_PREFIX, presented);
	if (!parsed) return null;
	const session = await deps.store.getSession(parsed.id);
	if (!session || session.token.appId !== appId) return null;
	if (!verifySecret(parsed.secret, session.token.secretHash)) return null;
	if (session.user.deactivatedAt !== null) return null;
	return session;
}

/** Records that a session was used, at most once a minute per token. */
export async function touchSession(deps: DomainDeps, session: Session): Promise<void> {
	const now = deps.clock.now();
	if (session.token.lastUsedAt !== null && now - session.token.lastUsedAt < TOUCH_INTERVAL_MS) return;
	await deps.store.touchAuthToken(session.token.id, now);
	session.token.lastUsedAt = now;
}

function authTokenNotFoundForUser(uid: string): LatchkeyError {
	return new LatchkeyError("ERR_AUTH_TOKEN_NOT_FOUND", `The auth token does not exist for the UID ${uid}.`);
}

/**
 * Finds a token named in a path, by its full value or by its id (`lkat_…`, what list answers show).
 * A full value with a wrong secret is treated as unknown.
 */
async function findUserAuthToken(
	deps: DomainDeps,
	appId: string,
	uid: string,
	reference: string,
): Promise<AuthTokenRecord> {
	const user = await getActiveUser(deps, appId, uid);
	const parsed = parseCredential(AUTH_TOKEN_PREFIX, reference);
	const id = parsed ? parsed.id : reference;
	const session = id.startsWith(AUTH_TOKEN_PREFIX) ? await deps.store.getSession(id) : null;
	const matches =
		session !== null &&
		session.token.appId === appId &&
		session.token.uid === user.uid &&
		(parsed === null || verifySecret(parsed.secret, session.token.secretHash));
	if (!session || !matches) {
		throw authTokenNotFoundForUser(user.uid);
	}
	return session.token;
}

export async function getAuthToken(
	deps: DomainDeps,
	appId: string,
	uid: string,
	reference: string,
): Promise<AuthTokenRecord> {
	return await findUserAuthToken(deps, appId, uid, reference);
}

export async function listAuthTokens(
	deps: DomainDeps,
	appId: string,
	uid: string,
	page: PageRequest,
): Promise<Page<AuthTokenRecord>> {
	const user = await getActiveUser(deps, appId, uid);
	return await deps.store.listAuthTokens(appId, user.uid, page);
}

export async function updateAuthToken(
	deps: DomainDeps,
	appId: string,
	uid: string,
	reference: string,
	input: unknown,
): Promise<AuthTokenRecord> {
	const parsed = parseInput(updateAuthTokenSchema, input);
	const token = await findUserAuthToken(deps, appId, uid, reference);
	const updated = await deps.store.updateAuthToken(token.id, parsed);
	if (!updated) throw authTokenNotFoundForUser(token.uid);
	await deps.events.publish({ type: "token.updated", appId, tokenId: token.id });
	return updated;
}

/**
 * Revokes one token of a user, named by its full value or its id; its sockets close. Returns the token revoked.
 *
 * @example
 * const token = await deleteAuthToken(deps, appId, "alice", "lkat_…");
 */
export async function deleteAuthToken(
	deps: DomainDeps,
	appId: string,
	uid: string,
	reference: string,
): Promise<AuthTokenRecord> {
	const token = await findUserAuthToken(deps, appId, uid, reference);
	// A concurrent delete of the same token may win between the lookup and the delete: the loser is told the
	// token does not exist for this uid, as if it had come second.
	if (!(await deleteToken(deps, token, "revoked"))) throw authTokenNotFoundForUser(token.uid);
	return token;
}

/**
 * Deletes the caller's own token (logout). A concurrent logout that won first leaves this one
 * AUTH_ERR_AUTH_TOKEN_NOT_FOUND, which the SDK treats as logged out.
 */
export async function revokeAuthToken(
	deps: DomainDeps,
	token: AuthTokenRecord,
	reason: "revoked" | "logged_out",
): Promise<void> {
	if (!(await deleteToken(deps, token, reason))) throw authTokenNotFound();
}

/** Deletes one token and publishes its revocation; false when it was already gone. */
async function deleteToken(
	deps: DomainDeps,
	token: AuthTokenRecord,
	reason: "revoked" | "logged_out",
): Promise<boolean> {
	if (!(await deps.store.deleteAuthToken(token.id))) return false;
	await deps.events.publish({ type: "token.revoked", appId: token.appId, tokenIds: [token.id], reason });
	return true;
}

/** Revokes every token of a user; returns how many there were. */
export async function flushAuthTokens(deps: DomainDeps, appId: string, uid: string): Promise<number> {
	const user = await getActiveUser(deps, appId, uid);
	const tokenIds = await deps.store.deleteUserAuthTokens(appId, user.uid);
	await deps.events.publish({ type: "token.revoked", appId, uid: user.uid, tokenIds, reason: "revoked" });
	return tokenIds.length;
}
