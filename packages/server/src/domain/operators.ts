import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { OperatorRecord } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import type { PasswordHasher } from "./operator-passwords.ts";
import { parseInput } from "./validation.ts";

/** Failed logins per email allowed within the window before logins for that email are refused. */
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

/**
 * Checks an operator's email and password. Null for a wrong pair (unknown email and wrong password look
 * the same). After LOGIN_FAILURE_LIMIT failures for an email within LOGIN_FAILURE_WINDOW_MS, throws
 * ERR_TOO_MANY_REQUESTS without checking the password; the counters live in the store, so every node
 * shares them.
 *
 * @example
 * const operator = await signInOperator(deps, hasher, form.email, form.password);
 */
export async function signInOperator(
	deps: DomainDeps,
	hasher: PasswordHasher,
	email: string,
	password: string,
): Promise<OperatorRecord | null> {
	const emailLower = normalizeEmail(email).slice(0, 320);
	const now = deps.clock.now();
	const windowStart = now - LOGIN_FAILURE_WINDOW_MS;
	const failures = await deps.store.countLoginFailures(emailLower, windowStart);
	if (failures >= LOGIN_FAILURE_LIMIT) {
		const minutes = Math.round(LOGIN_FAILURE_WINDOW_MS / 60_000);
		throw new LatchkeyError(
			"ERR_TOO_MANY_REQUESTS",
			`Too many failed sign-in attempts for this email. Sign-in is paused for up to ${minutes} minutes; try again later.`,
			{ retryAfterSeconds: Math.round(LOGIN_FAILURE_WINDOW_MS / 1000) },
		);
	}
	const operator = emailLower.length > 0 ? await deps.store.getOperatorByEmail(emailLower) : null;
	const candidate = password.slice(0, MAX_PASSWORD_LENGTH);
	let valid = false;
	if (operator) valid = await hasher.verify(operator.passwordHash, candidate);
	else await hasher.verify(await decoyHash(hasher), candidate);
	if (!operator || !valid || password.length > MAX_PASSWORD_LENGTH) {
		await deps.store.recordLoginFailure(emailLower, now, { pruneBefore: windowStart });
		return null;
	}
	await deps.store.clearLoginFailures(emailLower);
	return operator;
}
