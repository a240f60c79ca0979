import { z } from "zod";
import type { ApiKeyQuery, ApiKeyRecord, KeyScope, Page } from "../store/store.ts";
import { toUnixSeconds } from "./clock.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { generateCredential, maskCredential, maskForMessage, parseCredential, verifySecret } from "./secrets.ts";
import { parseInput } from "./validation.ts";

export const API_KEY_PREFIX = "lkak_";
/** CometChat's documented cap. */
export const MAX_API_KEYS_PER_APP = 25;

/** The longest a rotated key keeps working beside its successor: 30 days. */
export const MAX_ROTATION_OVERLAP_SECONDS = 30 * 24 * 60 * 60;
/** `lastUsedAt` is recorded at most this often per key, as for auth tokens: never a write per request. */
const TOUCH_INTERVAL_MS = 60_000;
/** The latest `expiresAt` accepted: 9999-12-31T23:59:59Z, in unix seconds (a value in milliseconds is refused). */
const MAX_UNIX_SECONDS = 253_402_300_799;

const scopeSchema = z.enum(["fullAccess", "authOnly"]);

const expiresAtSchema = z
	.number()
	.refine(Number.isInteger, { message: "The expiresAt must be an integer." })
	.min(0)
	.max(MAX_UNIX_SECONDS)
	.nullable()
	.meta({ description: "Unix seconds: the key is refused from this second on. Null or absent: never expires." });

export const createApiKeySchema = z.object({
	name: z.string().trim().min(1).max(100),
	// CometChat defaults a missing scope to the weaker one.
	scope: scopeSchema.default("authOnly"),
	expiresAt: expiresAtSchema.optional(),
});

export const updateApiKeySchema = z.object({
	name: z.string().trim().min(1).max(100).optional(),
	scope: scopeSchema.optional(),
	expiresAt: expiresAtSchema.optional(),
});

export const rotateApiKeySchema = z.object({
	overlapSeconds: z
		.number()
		.refine(Number.isInteger, { message: "The overlapSeconds must be an integer." })
		.min(0)
		.max(MAX_ROTATION_OVERLAP_SECONDS)
		.meta({ description: "How many seconds the old key keeps working beside the new one; 0 ends it at once." }),
});

/** An expiry must lie ahead: a key made or set to be expired already is a mistake (seconds taken for another unit). */
function assertFutureExpiry(expiresAt: number | null | undefined, now: number): void {
	if (expiresAt === undefined || expiresAt === null || expiresAt * 1000 > now) return;
	throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
		expiresAt: ["The expiresAt must be a time after now."],
	});
}

/** How a presented key is shown in an error message: never its secret. */
function describePresentedKey(presented: string): string {
	const parsed = parseCredential(API_KEY_PREFIX, presented);
	return parsed ? maskCredential(parsed.id) : maskForMessage();
}

/**
 * Resolves the `apikey` header for an app. Throws AUTH_ERR_APIKEY_NOT_FOUND for an unknown key, a wrong
 * secret, or a key of another app, all alike so a caller learns nothing about other apps; an expired key of this
 * app, with the right secret, gets the same answer with `details.reason: "expired"`. Records the use (at most
 * once a minute per key; the store writes it behind).
 *
 * @example
 * const key = await authenticateApiKey(deps, appId, header);
 */
export async function authenticateApiKey(deps: DomainDeps, appId: string, presented: string): Promise<ApiKeyRecord> {
	const parsed = parseCredential(API_KEY_PREFIX, presented);
	const key = parsed ? await deps.store.getApiKey(parsed.id) : null;
	if (!parsed || !key || key.appId !== appId || !verifySecret(parsed.secret, key.secretHash)) {
		const shown = describePresentedKey(presented);
		throw new LatchkeyError("AUTH_ERR_APIKEY_NOT_FOUND", `The key ${shown} does not exist. Please use correct apiKey.`);
	}
	// The hot path: one clock read and two property reads, and a (written-behind) store call once a minute.
	const now = deps.clock.now();
	if (now >= (key.expiresAt ?? Number.POSITIVE_INFINITY)) {
		// Told only to a holder of the right secret, so it reveals nothing a guesser could use.
		throw new LatchkeyError(
			"AUTH_ERR_APIKEY_NOT_FOUND",
			`The key ${maskCredential(key.id)} does not exist. Please use correct apiKey.`,
			{ reason: "expired" },
		);
	}
	if (now - (key.lastUsedAt ?? Number.NEGATIVE_INFINITY) >= TOUCH_INTERVAL_MS) {
		key.lastUsedAt = now;
		await deps.store.touchApiKey(key.id, now);
	}
	return key;
}

/** Throws AUTH_ERR_NO_ACCESS unless the key has one of the scopes. */
export function requireScope(key: ApiKeyRecord, scopes: readonly KeyScope[]): void {
	if (!scopes.includes(key.scope)) {
		throw new LatchkeyError(
			"AUTH_ERR_NO_ACCESS",
			`The key ${maskCredential(key.id)} cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
		);
	}
}

/** A new key record and its one-time plaintext. */
export function generateApiKey(
	appId: string,
	name: string,
	scope: KeyScope,
	createdAt: number,
	options: { createdBy?: string; expiresAt?: number | null } = {},
): { key: ApiKeyRecord; plaintext: string } {
	const credential = generateCredential(API_KEY_PREFIX);
	return {
		key: {
			id: credential.id,
			appId,
			name,
			scope,
			secretHash: credential.secretHash,
			createdBy: options.createdBy ?? null,
			createdAt,
			...(options.expiresAt !== undefined && options.expiresAt !== null && { expiresAt: options.expiresAt }),
		},
		plaintext: credential.plaintext,
	};
}

/**
 * Creates a key; its plaintext is returned once and never stored.
 *
 * @example
 * const { plaintext } = await createApiKey(deps, appId, { name: "CI", scope: "fullAccess" });
 */
export async function createApiKey(
	deps: DomainDeps,
	appId: string,
	input: unknown,
): Promise<{ key: ApiKeyRecord; plaintext: string }> {
	const parsed = parseInput(createApiKeySchema, input);
	const now = deps.clock.now();
	assertFutureExpiry(parsed.expiresAt, now);
	const created = generateApiKey(appId, parsed.name, parsed.scope, now, {
		expiresAt: parsed.expiresAt === undefined || parsed.expiresAt === null ? null : parsed.expiresAt * 1000,
	});
	if (!(await deps.store.insertApiKey(created.key, { maxPerApp: MAX_API_KEYS_PER_APP }))) throw keyQuotaReached();
	await deps.events.publish({ type: "apikey.created", appId, keyId: created.key.id });
	await deps.audit?.record({
		type: "apikey.created",
		appId,
		subject: created.key.id,
		details: { name: created.key.name, scope: created.key.scope, expiresAt: created.key.expiresAt ?? null },
	});
	return created;
}

function keyQuotaReached(): LatchkeyError {
	return new LatchkeyError(
		"ERR_PLAN_QUOTA_RESTRICTION",
		`The allowed limit of ${MAX_API_KEYS_PER_APP} API keys for this app has been reached. Delete a key before creating another.`,
	);
}

function apiKeyIdFromReference(reference: string): string {
	const parsed = parseCredential(API_KEY_PREFIX, reference);
	return parsed ? parsed.id : reference;
}

function apiKeyNotFound(reference: string): LatchkeyError {
	return new LatchkeyError(
		"ERR_APIKEY_NOT_FOUND",
		`The Api Key ${maskCredential(apiKeyIdFromReference(reference))} does not exist.`,
	);
}

/** Finds a key by its id (`lkak_…`) or full value, within one app. */
export async function getApiKey(deps: DomainDeps, appId: string, reference: string): Promise<ApiKeyRecord> {
	const parsed = parseCredential(API_KEY_PREFIX, reference);
	const key = await deps.store.getApiKey(apiKeyIdFromReference(reference));
	if (!key || key.appId !== appId || (parsed && !verifySecret(parsed.secret, key.secretHash))) {
		throw apiKeyNotFound(reference);
	}
	return key;
}

export async function listApiKeys(deps: DomainDeps, appId: string, query: ApiKeyQuery): Promise<Page<ApiKeyRecord>> {
	return await deps.store.listApiKeys(appId, query);
}

function refuseSelfAction(caller: ApiKeyRecord | null, target: ApiKeyRecord): void {
	if (caller && caller.id === target.id) {
		throw new LatchkeyError(
			"ERR_APIKEY_NO_SELF_ACTION",
			"The API Key in the headers is the same as the API Key in the path. An API key cannot update or delete itself.",
		);
	}
}

/** `caller` is the key making the request (null from the CLI), which may not change itself. */
export async function updateApiKey(
	deps: DomainDeps,
	appId: string,
	reference: string,
	input: unknown,
	caller: ApiKeyRecord | null,
): Promise<ApiKeyRecord> {
	const parsed = parseInput(updateApiKeySchema, input);
	assertFutureExpiry(parsed.expiresAt, deps.clock.now());
	const key = await getApiKey(deps, appId, reference);
	refuseSelfAction(caller, key);
	const updated = await deps.store.updateApiKey(appId, key.id, {
		...(parsed.name !== undefined && { name: parsed.name }),
		...(parsed.scope !== undefined && { scope: parsed.scope }),
		...(parsed.expiresAt !== undefined && { expiresAt: parsed.expiresAt === null ? null : parsed.expiresAt * 1000 }),
	});
	if (!updated) throw apiKeyNotFound(reference);
	await deps.events.publish({ type: "apikey.updated", appId, keyId: key.id });
	await deps.audit?.record({ type: "apikey.updated", appId, subject: key.id, details: { ...parsed } });
	return updated;
}

export async function deleteApiKey(
	deps: DomainDeps,
	appId: string,
	reference: string,
	caller: ApiKeyRecord | null,
): Promise<ApiKeyRecord> {
	const key = await getApiKey(deps, appId, reference);
	refuseSelfAction(caller, key);
	if (!(await deps.store.deleteApiKey(appId, key.id))) throw apiKeyNotFound(reference);
	await deps.events.publish({ type: "apikey.deleted", appId, keyId: key.id });
	await deps.audit?.record({
		type: "apikey.deleted",
		appId,
		subject: key.id,
		details: { name: key.name, scope: key.scope },
	});
	return key;
}

/**
 * Rotates a key: a new key with the same name and scope (its plaintext returned once), and the old one expires
 * `overlapSeconds` from now (whole seconds), unless it already expires earlier. A key may rotate itself: that is
 * how a backend replaces its own key without a second credential. The new key counts against the app's cap.
 *
 * @example
 * const { plaintext } = await rotateApiKey(deps, appId, keyId, { overlapSeconds: 3600 });
 */
export async function rotateApiKey(
	deps: DomainDeps,
	appId: string,
	reference: string,
	input: unknown,
): Promise<{ key: ApiKeyRecord; plaintext: string; replaced: ApiKeyRecord }> {
	const parsed = parseInput(rotateApiKeySchema, input);
	const old = await getApiKey(deps, appId, reference);
	const now = deps.clock.now();
	const created = generateApiKey(appId, old.name, old.scope, now);
	const expiresAt = (toUnixSeconds(now) + parsed.overlapSeconds) * 1000;
	const replaced = await deps.store.rotateApiKey(
		created.key,
		{ id: old.id, expiresAt },
		{ maxPerApp: MAX_API_KEYS_PER_APP },
	);
	if (replaced === null) throw apiKeyNotFound(reference);
	if (replaced === "quota") throw keyQuotaReached();
	await deps.events.publish({ type: "apikey.created", appId, keyId: created.key.id });
	// Drops the old key from every node's cache, so its new expiry applies there too.
	await deps.events.publish({ type: "apikey.updated", appId, keyId: old.id });
	await deps.audit?.record({
		type: "apikey.rotated",
		appId,
		subject: old.id,
		details: { newKeyId: created.key.id, oldKeyExpiresAt: replaced.expiresAt ?? null },
	});
	return { ...created, replaced };
}
