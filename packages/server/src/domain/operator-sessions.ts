import { createHmac, timingSafeEqual } from "node:crypto";
import type { OperatorRecord, OperatorSessionRecord } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { generateCredential, parseCredential, verifySecret } from "./secrets.ts";

export const OPERATOR_SESSION_PREFIX = "lkos_";
/** A dashboard session ends after 30 minutes without a request… */
export const SESSION_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
/** …and 12 hours after sign-in, however busy. */
export const SESSION_ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
/** `lastSeenAt` is written at most this often, to keep a write off most page views. */
const SESSION_TOUCH_INTERVAL_MS = 60_000;

/** A signed-in operator, as resolved from the session cookie. */
export interface OperatorSession {
	session: OperatorSessionRecord;
	operator: OperatorRecord;
	/** The per-session token every state-changing form must carry. */
	csrfToken: string;
}

// The CSRF token is derived from the cookie's secret, so it is per session, needs no storage, and
// cannot be computed by anyone who does not hold the cookie.
function deriveCSRFToken(secret: string): string {
	return createHmac("sha256", secret).update("latchkey-dashboard-csrf").digest("base64url");
}

/**
 * Starts a session; `cookieValue` is `lkos_<id>.<secret>` and exists only in the answer (the store keeps a hash).
 *
 * @example
 * const { cookieValue } = await createOperatorSession(deps, operator);
 */
export async function createOperatorSession(
	deps: DomainDeps,
	operator: OperatorRecord,
): Promise<{ cookieValue: string; csrfToken: string }> {
	const now = deps.clock.now();
	const credential = generateCredential(OPERATOR_SESSION_PREFIX);
	await deps.store.insertOperatorSession(
		{ id: credential.id, operatorId: operator.id, secretHash: credential.secretHash, createdAt: now, lastSeenAt: now },
		{ pruneCreatedBefore: now - SESSION_ABSOLUTE_TIMEOUT_MS },
	);
	const parsed = parseCredential(OPERATOR_SESSION_PREFIX, credential.plaintext);
	return { cookieValue: credential.plaintext, csrfToken: deriveCSRFToken(parsed?.secret ?? "") };
}

/**
 * Resolves a session cookie. Null for an unknown or forged value, and for a session idle for more than
 * SESSION_IDLE_TIMEOUT_MS or older than SESSION_ABSOLUTE_TIMEOUT_MS (which is then deleted).
 */
export async function validateOperatorSession(deps: DomainDeps, cookieValue: string): Promise<OperatorSession | null> {
	const parsed = parseCredential(OPERATOR_SESSION_PREFIX, cookieValue);
	if (!parsed) return null;
	const found = await deps.store.getOperatorSession(parsed.id);
	if (!found || !verifySecret(parsed.secret, found.session.secretHash)) return null;
	const now = deps.clock.now();
	const { session } = found;
	if (now - session.lastSeenAt >= SESSION_IDLE_TIMEOUT_MS || now - session.createdAt >= SESSION_ABSOLUTE_TIMEOUT_MS) {
		await deps.store.deleteOperatorSession(session.id);
		return null;
	}
	if (now - session.lastSeenAt >= SESSION_TOUCH_INTERVAL_MS) {
		await deps.store.touchOperatorSession(session.id, now);
		session.lastSeenAt = now;
	}
	return { ...found, csrfToken: deriveCSRFToken(parsed.secret) };
}

/** Constant-time comparison keeps the expected token from leaking through response timing. */
export function verifyCSRFToken(session: OperatorSession, presented: string): boolean {
	const expected = Buffer.from(session.csrfToken);
	const actual = Buffer.from(presented);
	return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Signs out: the session stops working on every node at once. */
export async function deleteOperatorSession(deps: DomainDeps, session: OperatorSession): Promise<void> {
	await deps.store.deleteOperatorSession(session.session.id);
}
