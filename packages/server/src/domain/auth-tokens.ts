import { z } from "zod";
import type { LoginMethod } from "../audit/audit-event.ts";
import { loginSucceeded, recordTokenRevocations, tokenCreated } from "../audit/token-events.ts";
import type { AuthTokenRecord, AuthTokenSelection, Page, PageRequest, Session } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { authTokenNotFound, LatchkeyError, uidNotFound } from "./errors.ts";
import { assertAuthTokenQuota } from "./quotas.ts";
import { assertMayLogIn } from "./sample-users.ts";
import { generateCredential, parseCredential, verifySecret } from "./secrets.ts";
import { securityOf } from "./security.ts";
import { getActiveUser, normalizeUid } from "./users.ts";
import { parseInput } from "./validation.ts";

export const AUTH_TOKEN_PREFIX = "lkat_";
/** CometChat keeps the newest 100 tokens of a user and silently retires older ones. */
export const MAX_AUTH_TOKENS_PER_USER = 100;
/** `lastUsedAt` is written at most this often per token, to keep writes off the hot path. */
const TOUCH_INTERVAL_MS = 60_000;
/** The longest client address kept (an IPv6 address with a zone fits; a proxy's header could be longer). */
const MAX_ADDRESS_LENGTH = 64;
/** The latest `issuedBefore` accepted: 9999-12-31T23:59:59Z, in unix seconds. */
const MAX_UNIX_SECONDS = 253_402_300_799;

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
 * Audited as `token.created` and, with `options.login` (an Auth Key login), `login.succeeded`, in the same write.
 *
 * @example
 * const { token, plaintext } = await createAuthToken(deps, appId, "alice", { platform: "WEB" });
 */
export async function createAuthToken(
	deps: DomainDeps,
	appId: string,
	uid: string,
	input: unknown = {},
	options: { login?: LoginMethod } = {},
): Promise<{ token: AuthTokenRecord; plaintext: string }> {
	// Validation comes before existence, the order CometChat answers in.
	const parsed = parseInput(createAuthTokenSchema, input ?? {});
	const normalized = normalizeUid(uid);
	if (normalized === null) throw uidNotFound(uid.toLowerCase());
	await assertMayLogIn(deps, appId, normalized);
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
	if (deps.tokenCipher && (await isRetrievable(deps, appId))) {
		token.ciphertext = deps.tokenCipher.encrypt(credential.plaintext, token.id);
	}
	await assertAuthTokenQuota(deps, appId);
	// The insert itself checks that the user exists and is active (no lookup before it: a login is one write).
	const audit = deps.audit?.prepare([
		tokenCreated(appId, normalized, token.id, token.platform),
		...(options.login ? [loginSucceeded(appId, normalized, token.id, options.login)] : []),
	]);
	const evicted = await deps.store.insertAuthToken(token, {
		maxPerUser: MAX_AUTH_TOKENS_PER_USER,
		...(audit && { audit }),
	});
	if (evicted === null) throw uidNotFound(normalized);
	await deps.events.publish({ type: "token.created", appId, uid: normalized, tokenId: token.id });
	if (evicted.length > 0) {
		await deps.events.publish({ type: "token.revoked", appId, tokenIds: evicted, reason: "revoked" });
		await recordTokenRevocations(deps, appId, evicted, "evicted", { uid: normalized });
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

/**
 * Records that a session was used, with the client address when given: at most once a minute per token, unless
 * the address changed. The store writes it behind (cache/read-cache.ts), so this is no write per request.
 *
 * @example
 * await touchSession(deps, session, { ip: "203.0.113.7" });
 */
export async function touchSession(deps: DomainDeps, session: Session, options: { ip?: string } = {}): Promise<void> {
	const now = deps.clock.now();
	const ip = options.ip?.slice(0, MAX_ADDRESS_LENGTH);
	const recent = session.token.lastUsedAt !== null && now - session.token.lastUsedAt < TOUCH_INTERVAL_MS;
	if (recent && (ip === undefined || ip === session.token.lastUsedIp)) return;
	await deps.store.touchAuthToken(session.token.id, now, ip === undefined ? {} : { ip });
	session.token.lastUsedAt = now;
	if (ip !== undefined) session.token.lastUsedIp = ip;
}

/**
 * A token of this app's user `uid` (already normalized), named by its full value or by its id (`lkat_…`, what
 * list answers show); null when there is none. A full value with a wrong secret is treated as unknown, and a token
 * of another user or another app is unknown too.
 */
export async function findTokenOfUser(
	deps: DomainDeps,
	appId: string,
	uid: string,
	reference: string,
): Promise<AuthTokenRecord | null> {
	const parsed = parseCredential(AUTH_TOKEN_PREFIX, reference);
	const id = parsed ? parsed.id : reference;
	const session = id.startsWith(AUTH_TOKEN_PREFIX) ? await deps.store.getSession(id) : null;
	const matches =
		session !== null &&
		session.token.appId === appId &&
		session.token.uid === uid &&
		(parsed === null || verifySecret(parsed.secret, session.token.secretHash));
	return session && matches ? session.token : null;
}

/** Finds a token named in a path of an active user; ERR_AUTH_TOKEN_NOT_FOUND when that user has no such token. */
async function findUserAuthToken(
	deps: DomainDeps,
	appId: string,
	uid: string,
	reference: string,
): Promise<AuthTokenRecord> {
	const user = await getActiveUser(deps, appId, uid);
	const token = await findTokenOfUser(deps, appId, user.uid, reference);
	if (!token) throw authTokenNotFoundForUser(user.uid);
	return token;
}

export function authTokenNotFoundForUser(uid: string): LatchkeyError {
	return new LatchkeyError("ERR_AUTH_TOKEN_NOT_FOUND", `The auth token does not exist for the UID ${uid}.`);
}

export async function getAuthToken(
	deps: DomainDeps,
	appId: string,
	uid: string,
	reference: string,
): Promise<AuthTokenRecord> {
	const token = await findUserAuthToken(deps, appId, uid, reference);
	if (!deps.tokenCipher || !(await isRetrievable(deps, appId))) return token;
	// The session cache keeps no ciphertext: the stored row has it.
	const listed = await deps.store.listAuthTokens(appId, token.uid, { limit: MAX_AUTH_TOKENS_PER_USER, offset: 0 });
	return listed.items.find((stored) => stored.id === token.id) ?? token;
}

/**
 * The token's plaintext when its app keeps tokens retrievable and this server holds the key that sealed it
 * (what `GET …/auth_tokens` answers, as CometChat does); undefined otherwise, and the token is shown masked.
 */
export function revealAuthToken(deps: DomainDeps, token: AuthTokenRecord): string | undefined {
	if (!token.ciphertext || !deps.tokenCipher) return undefined;
	return deps.tokenCipher.decrypt(token.ciphertext, token.id) ?? undefined;
}

async function isRetrievable(deps: DomainDeps, appId: string): Promise<boolean> {
	const app = await deps.store.getApp(appId);
	return app !== null && securityOf(app).tokenStorage === "retrievable";
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
export async function deleteToken(
	deps: DomainDeps,
	token: AuthTokenRecord,
	reason: "revoked" | "logged_out",
): Promise<boolean> {
	if (!(await deps.store.deleteAuthToken(token.id))) return false;
	await deps.events.publish({ type: "token.revoked", appId: token.appId, tokenIds: [token.id], reason });
	await recordTokenRevocations(deps, token.appId, [token.id], reason, { uid: token.uid });
	return true;
}

/** Revokes every token of a user; returns how many there were. */
export async function flushAuthTokens(deps: DomainDeps, appId: string, uid: string): Promise<number> {
	const user = await getActiveUser(deps, appId, uid);
	const tokenIds = await deps.store.deleteUserAuthTokens(appId, user.uid);
	await deps.events.publish({ type: "token.revoked", appId, uid: user.uid, tokenIds, reason: "revoked" });
	await recordTokenRevocations(deps, appId, tokenIds, "flushed", { uid: user.uid });
	return tokenIds.length;
}

/**
 * Deletes the app's tokens that `selection` picks and publishes their revocation (without a uid: only these
 * tokens' sockets close, not every socket of the user); how many there were.
 */
export async function revokeSelectedTokens(
	deps: DomainDeps,
	appId: string,
	selection: AuthTokenSelection,
	reason: "revoked" | "logged_out",
): Promise<number> {
	const tokenIds = await deps.store.deleteAuthTokens(appId, selection);
	if (tokenIds.length > 0) await deps.events.publish({ type: "token.revoked", appId, tokenIds, reason });
	await recordTokenRevocations(
		deps,
		appId,
		tokenIds,
		reason,
		selection.uid === undefined ? {} : { uid: selection.uid },
	);
	return tokenIds.length;
}

// `.int()` would be described as "must be a int" (validation.ts names zod's expected type): a refinement words it.
const issuedBeforeSchema = z
	.number()
	.refine(Number.isInteger, { message: "The issuedBefore must be an integer." })
	.min(0)
	.max(MAX_UNIX_SECONDS)
	.meta({ description: "Unix seconds: tokens created before this second are revoked, newer ones are kept." });

/** Adds an issue for every field of `value` that `known` does not name: a revocation must not guess. */
function refuseUnknownFields(known: readonly string[]) {
	return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
		for (const field of Object.keys(value)) {
			if (!known.includes(field)) {
				ctx.addIssue({ code: "custom", path: [field], message: `The ${field} field is not allowed.` });
			}
		}
	};
}

export const revokeUserAuthTokensSchema = z
	.looseObject({
		issuedBefore: issuedBeforeSchema.optional(),
		except: z
			.string()
			.min(1)
			.max(200)
			.optional()
			.meta({ description: "A token id (`lkat_…`) or full token of this user: every other token is revoked." }),
	})
	.superRefine((value, ctx) => {
		refuseUnknownFields(["issuedBefore", "except"])(value, ctx);
		if (value.issuedBefore === undefined && value.except === undefined) {
			ctx.addIssue({
				code: "custom",
				path: ["issuedBefore"],
				message: "The issuedBefore field is required when except is not present.",
			});
		}
		if (value.issuedBefore !== undefined && value.except !== undefined) {
			ctx.addIssue({
				code: "custom",
				path: ["except"],
				message: "The except field is prohibited when issuedBefore is present.",
			});
		}
	});

export const revokeAppAuthTokensSchema = z
	.looseObject({ issuedBefore: issuedBeforeSchema })
	.superRefine(refuseUnknownFields(["issuedBefore"]));

/**
 * The user rungs of the revocation ladder: `{ issuedBefore }` revokes the user's tokens created before that unix
 * second, `{ except }` every token of the user but that one (which must be theirs). Returns how many went.
 *
 * @example
 * const revoked = await revokeUserAuthTokens(deps, appId, "alice", { except: "lkat_…" });
 */
export async function revokeUserAuthTokens(
	deps: DomainDeps,
	appId: string,
	uid: string,
	input: unknown,
): Promise<number> {
	const parsed = parseInput(revokeUserAuthTokensSchema, input);
	const user = await getActiveUser(deps, appId, uid);
	if (parsed.issuedBefore !== undefined) {
		const createdBefore = parsed.issuedBefore * 1000;
		return await revokeSelectedTokens(deps, appId, { uid: user.uid, createdBefore }, "revoked");
	}
	// The schema let through exactly one of the two: here it is `except`. The kept token must be this user's, or a
	// typo would revoke every token.
	const kept = await findTokenOfUser(deps, appId, user.uid, parsed.except ?? "");
	if (!kept) throw authTokenNotFoundForUser(user.uid);
	return await revokeSelectedTokens(deps, appId, { uid: user.uid, exceptId: kept.id }, "revoked");
}

/**
 * The app-wide rung: revokes every token of the app created before `issuedBefore` (unix seconds), of every
 * user; newer tokens are kept. Returns how many went.
 *
 * @example
 * const revoked = await revokeAppAuthTokens(deps, appId, { issuedBefore: 1_767_225_600 });
 */
export async function revokeAppAuthTokens(deps: DomainDeps, appId: string, input: unknown): Promise<number> {
	const parsed = parseInput(revokeAppAuthTokensSchema, input);
	return await revokeSelectedTokens(deps, appId, { createdBefore: parsed.issuedBefore * 1000 }, "revoked");
}
