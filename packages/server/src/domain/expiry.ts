import { recordTokenRevocations } from "../audit/token-events.ts";
import type { AppRecord, AuthTokenRecord, Session } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";

/**
 * Token expiry (issue 15): a token unused for `tokenIdleTimeoutSeconds`, or older than `tokenMaxLifetimeSeconds`,
 * is refused like a deleted one and deleted, with `token.revoked` reason `expired`, so every node's cache drops
 * it and its sockets close with 4001 `expired`. Apps without timeouts (the default) pay one property read.
 *
 * Idle time is measured from the last use. The node that serves a use knows it at once (kept beside the cached
 * session); other nodes learn it from the store, where a use is recorded at most every tenth of the idle timeout
 * (at most a minute) and written within a second: docs/security.md "Session controls" gives the bound.
 */

/** The last use this node saw of each token, exact; the record's `lastUsedAt` is what was written. */
const lastUse = new WeakMap<AuthTokenRecord, number>();
/** The last use this node wrote of each token. */
const lastWritten = new WeakMap<AuthTokenRecord, number>();

const MAX_RECORD_INTERVAL_MS = 60_000;

interface Timeouts {
	idleMs: number | null;
	maxMs: number | null;
}

function timeoutsOf(app: AppRecord): Timeouts | null {
	const idle = app.security?.tokenIdleTimeoutSeconds ?? null;
	const max = app.security?.tokenMaxLifetimeSeconds ?? null;
	if (idle === null && max === null) return null;
	return { idleMs: idle === null ? null : idle * 1000, maxMs: max === null ? null : max * 1000 };
}

function lastUseOf(token: AuthTokenRecord): number {
	return Math.max(lastUse.get(token) ?? 0, token.lastUsedAt ?? 0, token.createdAt);
}

/** When the token stops working under the app's settings (unix ms), or null when it never does. */
export function tokenExpiresAt(app: AppRecord, token: AuthTokenRecord): number | null {
	const timeouts = timeoutsOf(app);
	if (!timeouts) return null;
	const ends: number[] = [];
	if (timeouts.idleMs !== null) ends.push(lastUseOf(token) + timeouts.idleMs);
	if (timeouts.maxMs !== null) ends.push(token.createdAt + timeouts.maxMs);
	return Math.min(...ends);
}

/** The refusal of an expired token: what a deleted one gets, saying why. */
export function expiredToken(): LatchkeyError {
	return new LatchkeyError(
		"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
		"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.",
		{ reason: "expired" },
	);
}

/**
 * Whether the session's token has expired at `now`. Before saying so for idleness, the store is asked for the
 * newest use another node recorded (and this node has not seen), so a token in use elsewhere is not ended here.
 */
export async function hasExpired(deps: DomainDeps, app: AppRecord, session: Session, now: number): Promise<boolean> {
	const expiresAt = tokenExpiresAt(app, session.token);
	if (expiresAt === null || now < expiresAt) return false;
	const timeouts = timeoutsOf(app) as Timeouts;
	if (timeouts.maxMs !== null && now >= session.token.createdAt + timeouts.maxMs) return true;
	const listed = await deps.store.listAuthTokens(app.id, session.token.uid, { limit: 100, offset: 0 });
	const stored = listed.items.find((token) => token.id === session.token.id);
	if (stored?.lastUsedAt && stored.lastUsedAt > (session.token.lastUsedAt ?? 0)) {
		session.token.lastUsedAt = stored.lastUsedAt;
	}
	return now >= (tokenExpiresAt(app, session.token) ?? Number.POSITIVE_INFINITY);
}

/**
 * Notes a use of the session's token: exact in this node's memory, and recorded in the store (written behind) at
 * most every tenth of the app's idle timeout, capped at a minute, so other nodes see it in time.
 */
export async function noteTokenUse(deps: DomainDeps, app: AppRecord, session: Session, now: number): Promise<void> {
	const idle = app.security?.tokenIdleTimeoutSeconds ?? null;
	if (idle === null) return;
	lastUse.set(session.token, now);
	const interval = Math.min(MAX_RECORD_INTERVAL_MS, (idle * 1000) / 10);
	const written = Math.max(lastWritten.get(session.token) ?? 0, session.token.lastUsedAt ?? 0);
	if (now - written < interval) return;
	lastWritten.set(session.token, now);
	await deps.store.touchAuthToken(session.token.id, now);
}

/**
 * Ends expired tokens of an app: deletes them and publishes `token.revoked` with reason `expired` (caches drop
 * them, sockets close with 4001 `expired`). Tokens already gone are skipped.
 */
export async function expireTokens(deps: DomainDeps, appId: string, tokenIds: readonly string[]): Promise<string[]> {
	const deleted: string[] = [];
	for (const id of tokenIds) if (await deps.store.deleteAuthToken(id)) deleted.push(id);
	if (deleted.length > 0)
		await deps.events.publish({ type: "token.revoked", appId, tokenIds: deleted, reason: "expired" });
	await recordTokenRevocations(deps, appId, deleted, "expired");
	return deleted;
}

/**
 * The expiry check of an authenticated request: throws the refusal (after ending the token) when the session's
 * token has expired, else notes the use.
 */
export async function checkTokenExpiry(deps: DomainDeps, app: AppRecord, session: Session): Promise<void> {
	if (app.security === undefined) return;
	const now = deps.clock.now();
	if (await hasExpired(deps, app, session, now)) {
		await expireTokens(deps, app.id, [session.token.id]);
		throw expiredToken();
	}
	await noteTokenUse(deps, app, session, now);
}
