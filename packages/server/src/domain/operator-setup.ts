import type { OperatorRecord } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import type { PasswordHasher } from "./operator-passwords.ts";
import { buildOperator } from "./operators.ts";
import { generateCredential, parseCredential, verifySecret } from "./secrets.ts";

export const SETUP_TOKEN_PREFIX = "lkst_";
/** A setup link printed at start-up works for a day; every start without an operator prints a new one. */
export const SETUP_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** True while no operator exists: the console is waiting for its first-run setup. */
export async function isSetupPending(deps: DomainDeps): Promise<boolean> {
	return (await deps.store.countOperators()) === 0;
}

/**
 * On an install with no operator yet, mints a one-time setup token (stored hashed) and returns it;
 * null once any operator exists.
 *
 * @example
 * const token = await issueSetupToken(deps);
 */
export async function issueSetupToken(deps: DomainDeps): Promise<string | null> {
	if (!(await isSetupPending(deps))) return null;
	const now = deps.clock.now();
	const credential = generateCredential(SETUP_TOKEN_PREFIX);
	await deps.store.insertSetupToken({
		id: credential.id,
		secretHash: credential.secretHash,
		createdAt: now,
		expiresAt: now + SETUP_TOKEN_TTL_MS,
	});
	return credential.plaintext;
}

/** Whether a setup token is still usable (for showing the form); using it is checked again atomically. */
export async function isSetupTokenUsable(deps: DomainDeps, token: string): Promise<boolean> {
	const parsed = parseCredential(SETUP_TOKEN_PREFIX, token);
	if (!parsed) return false;
	const stored = await deps.store.getSetupToken(parsed.id);
	if (!stored || !verifySecret(parsed.secret, stored.secretHash)) return false;
	return stored.expiresAt > deps.clock.now() && (await isSetupPending(deps));
}

/**
 * Uses a setup token to create the first operator. Input is validated before the token is spent, so a
 * too-short password does not burn the link. Null when the link is unknown, used, expired, or an operator
 * exists already; of two racers with the same link exactly one gets the operator.
 */
export async function completeSetup(
	deps: DomainDeps,
	hasher: PasswordHasher,
	token: string,
	input: unknown,
): Promise<OperatorRecord | null> {
	const operator = await buildOperator(deps, hasher, input);
	const parsed = parseCredential(SETUP_TOKEN_PREFIX, token);
	if (!parsed) return null;
	const stored = await deps.store.getSetupToken(parsed.id);
	if (!stored || !verifySecret(parsed.secret, stored.secretHash)) return null;
	const claimed = await deps.store.claimSetupToken(stored.id, stored.secretHash, deps.clock.now(), operator);
	return claimed ? operator : null;
}
