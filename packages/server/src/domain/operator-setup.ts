import { z } from "zod";
import type { OperatorInviteRecord, OperatorRecord } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import type { PasswordHasher } from "./operator-passwords.ts";
import { buildOperator, normalizeEmail, operatorCredentialsSchema } from "./operators.ts";
import { generateCredential, parseCredential, verifySecret } from "./secrets.ts";
import { parseInput } from "./validation.ts";

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

// ---- Invites (issue 17): one more operator, by a one-time link an operator hands over ----

export const INVITE_TOKEN_PREFIX = "lkoi_";
/** An invite link works for a day, once. */
export const INVITE_TTL_MS = 24 * 60 * 60 * 1000;

const inviteSchema = z.object({ email: operatorCredentialsSchema.shape.email });

const acceptInviteSchema = z.object({
	name: z.string().trim().min(1).max(100),
	password: operatorCredentialsSchema.shape.password,
});

/** An invite as made: the link's token exists only in this value. */
export interface IssuedInvite {
	invite: OperatorInviteRecord;
	token: string;
}

/**
 * Invites one more operator: a one-time token (stored hashed) valid for INVITE_TTL_MS that lets whoever holds
 * it create the operator `email`. Throws ERR_BAD_REQUEST for a bad email or one that is an operator already.
 *
 * @example
 * const { token } = await inviteOperator(deps, session.operator, { email: "new@example.com" });
 */
export async function inviteOperator(
	deps: DomainDeps,
	invitedBy: OperatorRecord,
	input: unknown,
): Promise<IssuedInvite> {
	const { email } = parseInput(inviteSchema, input);
	const emailLower = normalizeEmail(email);
	if (await deps.store.getOperatorByEmail(emailLower)) throw emailTaken(email);
	const now = deps.clock.now();
	const credential = generateCredential(INVITE_TOKEN_PREFIX);
	const invite: OperatorInviteRecord = {
		id: credential.id,
		secretHash: credential.secretHash,
		email,
		emailLower,
		invitedBy: invitedBy.email,
		createdAt: now,
		expiresAt: now + INVITE_TTL_MS,
	};
	await deps.store.insertOperatorInvite(invite);
	return { invite, token: credential.plaintext };
}

function emailTaken(email: string): LatchkeyError {
	return new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
		email: [`An operator with the email ${email} already exists.`],
	});
}

/** Invites not yet used or expired, newest first. */
export async function listPendingInvites(deps: DomainDeps): Promise<OperatorInviteRecord[]> {
	return await deps.store.listOperatorInvites(deps.clock.now());
}

/** Withdraws an invite; its link stops working. False when there was no such invite. */
export async function revokeOperatorInvite(deps: DomainDeps, inviteId: string): Promise<boolean> {
	return await deps.store.deleteOperatorInvite(inviteId);
}

/** The invite a token names, if it is live and the secret is right (for showing the form); null otherwise. */
export async function findUsableInvite(deps: DomainDeps, token: string): Promise<OperatorInviteRecord | null> {
	const parsed = parseCredential(INVITE_TOKEN_PREFIX, token);
	if (!parsed) return null;
	const stored = await deps.store.getOperatorInvite(parsed.id);
	if (!stored || !verifySecret(parsed.secret, stored.secretHash)) return null;
	return stored.expiresAt > deps.clock.now() ? stored : null;
}

/**
 * Uses an invite: creates the invited operator with this name and password. The input is validated before
 * the invite is spent, so a too-short password does not burn the link. Null when the link is unknown, used,
 * expired or forged; of two racers with one link exactly one gets the operator. Throws ERR_BAD_REQUEST for
 * bad input, or when the email became an operator meanwhile (the invite then stays).
 */
export async function acceptOperatorInvite(
	deps: DomainDeps,
	hasher: PasswordHasher,
	token: string,
	input: unknown,
): Promise<OperatorRecord | null> {
	const { name, password } = parseInput(acceptInviteSchema, input);
	const invite = await findUsableInvite(deps, token);
	if (!invite) return null;
	const operator = await buildOperator(deps, hasher, { email: invite.email, password });
	const outcome = await deps.store.claimOperatorInvite(invite.id, invite.secretHash, deps.clock.now(), operator, {
		name,
	});
	if (outcome === "emailTaken") throw emailTaken(invite.email);
	return outcome === "created" ? operator : null;
}
