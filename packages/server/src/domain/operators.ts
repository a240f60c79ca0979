import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { OperatorRecord, OperatorSummary, SignInCount } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import type { PasswordHasher } from "./operator-passwords.ts";
import { parseInput } from "./validation.ts";

/** Failed sign-ins allowed per account and per source address within the window (see signInOperator). */
export const LOGIN_FAILURE_LIMIT = 5;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000;
export const MIN_PASSWORD_LENGTH = 12;
// Argon2 accepts any length; a cap keeps one request from costing much more than another.
export const MAX_PASSWORD_LENGTH = 256;

const emailSchema = z
	.string()
	.trim()
	.max(320)
	.pipe(z.email({ message: "The email must be a valid email address." }));

export const operatorCredentialsSchema = z.object({
	email: emailSchema,
	password: z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH),
});

/** The login name: trimmed and lower-cased, so `Ann@X.org` and `ann@x.org` are one operator. */
export function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}

function generateOperatorId(): string {
	return `op_${randomBytes(10).toString("hex")}`;
}

/** Validates `{ email, password }` and builds the record to store; the password leaves only as a hash. */
export async function buildOperator(deps: DomainDeps, hasher: PasswordHasher, input: unknown): Promise<OperatorRecord> {
	const parsed = parseInput(operatorCredentialsSchema, input);
	return {
		id: generateOperatorId(),
		email: parsed.email,
		emailLower: normalizeEmail(parsed.email),
		passwordHash: await hasher.hash(parsed.password),
		createdAt: deps.clock.now(),
	};
}

/**
 * Creates a dashboard operator (the CLI's `latchkey admin create`).
 *
 * @example
 * const operator = await createOperator(deps, argon2PasswordHasher, { email: "ops@example.com", password });
 */
export async function createOperator(
	deps: DomainDeps,
	hasher: PasswordHasher,
	input: unknown,
): Promise<OperatorRecord> {
	const operator = await buildOperator(deps, hasher, input);
	if (!(await deps.store.insertOperator(operator))) {
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			email: [`An operator with the email ${operator.email} already exists.`],
		});
	}
	return operator;
}

// A real hash of a random password, so an unknown email costs as much time as a known one.
const decoyHashes = new WeakMap<PasswordHasher, Promise<string>>();

function decoyHash(hasher: PasswordHasher): Promise<string> {
	let decoy = decoyHashes.get(hasher);
	if (!decoy) {
		decoy = hasher.hash(randomBytes(16).toString("hex"));
		decoyHashes.set(hasher, decoy);
	}
	return decoy;
}

function tooManyAttempts(what: string, count: SignInCount, now: number): LatchkeyError {
	const minutes = Math.round(LOGIN_FAILURE_WINDOW_MS / 60_000);
	const retryAfterSeconds = Math.max(1, Math.ceil((count.windowStartedAt + LOGIN_FAILURE_WINDOW_MS - now) / 1000));
	return new LatchkeyError(
		"ERR_TOO_MANY_REQUESTS",
		`Too many failed sign-in attempts ${what}. Sign-in is paused for up to ${minutes} minutes; try again later.`,
		{ retryAfterSeconds },
	);
}

// Counter keys hold a digest, so no email or address is stored in clear and any input (even U+0000) is a
// fixed-length key every dialect can hold.
function counterKey(kind: "account" | "source", value: string): string {
	return `${kind}:${createHash("sha256").update(value).digest("hex")}`;
}

/**
 * Checks an operator's email and password. Null for a wrong pair (unknown email and wrong password look
 * the same). Every attempt is counted before the password is checked, atomically in the store (shared by
 * every node), per source address and per account:
 *
 * - a source with LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW_MS is refused before any hashing;
 * - an account with LOGIN_FAILURE_LIMIT failures is refused to every source that has failed in the window,
 *   but a source without failures may still try, so nobody can lock an operator out by guessing wrong.
 *
 * Refusals throw ERR_TOO_MANY_REQUESTS (details.retryAfterSeconds). A success clears the account's count
 * and takes back its own attempt from the source's.
 *
 * @example
 * const operator = await signInOperator(deps, hasher, form.email, form.password, { source: "203.0.113.7" });
 */
export async function signInOperator(
	deps: DomainDeps,
	hasher: PasswordHasher,
	email: string,
	password: string,
	options: { source?: string } = {},
): Promise<OperatorRecord | null> {
	const emailLower = normalizeEmail(email).slice(0, 320);
	const now = deps.clock.now();
	const window = { windowMs: LOGIN_FAILURE_WINDOW_MS };
	// The attempt is recorded before the check, so concurrent attempts cannot all read "under the limit".
	const sourceKey = counterKey("source", options.source ?? "unknown");
	const bySource = await deps.store.incrementSignInCounter(sourceKey, now, window);
	if (bySource.count > LOGIN_FAILURE_LIMIT) throw tooManyAttempts("from this address", bySource, now);
	const accountKey = counterKey("account", emailLower);
	const byAccount = await deps.store.incrementSignInCounter(accountKey, now, window);
	const cleanSource = bySource.count === 1;
	if (byAccount.count > LOGIN_FAILURE_LIMIT && !cleanSource) {
		// Refused without a check, so it is not a failure of this source.
		await deps.store.decrementSignInCounter(sourceKey);
		throw tooManyAttempts("for this email", byAccount, now);
	}
	const operator = emailLower.length > 0 ? await deps.store.getOperatorByEmail(emailLower) : null;
	const candidate = password.slice(0, MAX_PASSWORD_LENGTH);
	let valid = false;
	if (operator) valid = await hasher.verify(operator.passwordHash, candidate);
	else await hasher.verify(await decoyHash(hasher), candidate);
	if (!operator || !valid || password.length > MAX_PASSWORD_LENGTH) return null;
	await deps.store.deleteSignInCounter(accountKey);
	// Only this attempt is taken back: signing in to one's own account must not wipe a source's failures
	// against other accounts.
	await deps.store.decrementSignInCounter(sourceKey);
	return operator;
}

// ---- Issue 17: the console's Operators page ----

/** Every operator, oldest first (no password hashes). */
export async function listOperators(deps: DomainDeps): Promise<OperatorSummary[]> {
	return await deps.store.listOperators();
}

/**
 * Removes an operator; all their sessions end at once, on every node. False when there is no such operator.
 * Throws ERR_BAD_REQUEST for the last operator: the console would have nobody left to run it.
 *
 * @example
 * await removeOperator(deps, operatorId);
 */
export async function removeOperator(deps: DomainDeps, operatorId: string): Promise<boolean> {
	const outcome = await deps.store.deleteOperator(operatorId);
	if (outcome === "last") {
		throw new LatchkeyError("ERR_BAD_REQUEST", "The last operator cannot be removed: invite another operator first.");
	}
	return outcome === "removed";
}

const changePasswordSchema = z.object({
	currentPassword: z.string().max(MAX_PASSWORD_LENGTH),
	newPassword: operatorCredentialsSchema.shape.password,
});

/**
 * Changes the signed-in operator's password after checking the current one, through the sign-in throttle (so
 * a stolen session cannot guess it freely). Every other session of the operator ends; this one stays. Throws
 * ERR_BAD_REQUEST for a wrong current password or a bad new one, ERR_TOO_MANY_REQUESTS when throttled.
 *
 * @example
 * await changeOperatorPassword(deps, hasher, session, { currentPassword, newPassword }, { source: "203.0.113.7" });
 */
export async function changeOperatorPassword(
	deps: DomainDeps,
	hasher: PasswordHasher,
	session: { operator: OperatorRecord; session: { id: string } },
	input: unknown,
	options: { source?: string } = {},
): Promise<void> {
	const { currentPassword, newPassword } = parseInput(changePasswordSchema, input);
	const verified = await signInOperator(deps, hasher, session.operator.email, currentPassword, options);
	if (!verified || verified.id !== session.operator.id) {
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			currentPassword: ["The current password is wrong."],
		});
	}
	const passwordHash = await hasher.hash(newPassword);
	await deps.store.updateOperatorPassword(session.operator.id, passwordHash, { keepSessionId: session.session.id });
}

/** Ends every session of the operator, this one included; how many ended. */
export async function signOutEverywhere(deps: DomainDeps, operatorId: string): Promise<number> {
	return await deps.store.deleteOperatorSessions(operatorId, {});
}
