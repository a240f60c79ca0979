import { z } from "zod";
import type { ApiKeyQuery, ApiKeyRecord, KeyScope, Page } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { generateCredential, maskCredential, maskForMessage, parseCredential, verifySecret } from "./secrets.ts";
import { parseInput } from "./validation.ts";

export const API_KEY_PREFIX = "lkak_";
/** CometChat's documented cap. */
export const MAX_API_KEYS_PER_APP = 25;

const scopeSchema = z.enum(["fullAccess", "authOnly"]);

export const createApiKeySchema = z.object({
	name: z.string().trim().min(1).max(100),
	// CometChat defaults a missing scope to the weaker one.
	scope: scopeSchema.default("authOnly"),
});

export const updateApiKeySchema = z.object({
	name: z.string().trim().min(1).max(100).optional(),
	scope: scopeSchema.optional(),
});

/** How a presented key is shown in an error message: never its secret. */
function describePresentedKey(presented: string): string {
	const parsed = parseCredential(API_KEY_PREFIX, presented);
	return parsed ? maskCredential(parsed.id) : maskForMessage();
}

/**
 * Resolves the `apikey` header for an app. Throws AUTH_ERR_APIKEY_NOT_FOUND for an unknown key, a wrong
 * secret, or a key of another app, all alike so a caller learns nothing about other apps.
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
	options: { createdBy?: string } = {},
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
	const created = generateApiKey(appId, parsed.name, parsed.scope, deps.clock.now());
	if (!(await deps.store.insertApiKey(created.key, { maxPerApp: MAX_API_KEYS_PER_APP }))) {
		throw new LatchkeyError(
			"ERR_PLAN_QUOTA_RESTRICTION",
			`The allowed limit of ${MAX_API_KEYS_PER_APP} API keys for this app has been reached. Delete a key before creating another.`,
		);
	}
	await deps.events.publish({ type: "apikey.created", appId, keyId: created.key.id });
	return created;
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
	const key = await getApiKey(deps, appId, reference);
	refuseSelfAction(caller, key);
	const updated = await deps.store.updateApiKey(appId, key.id, parsed);
	if (!updated) throw apiKeyNotFound(reference);
	await deps.events.publish({ type: "apikey.updated", appId, keyId: key.id });
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
	return key;
}
