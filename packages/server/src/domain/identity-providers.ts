import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { IdentityProviderRecord } from "../store/store.ts";
import { toUnixSeconds } from "./clock.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { parseInput } from "./validation.ts";

/** How many identity providers one app may trust. */
export const MAX_IDENTITY_PROVIDERS_PER_APP = 20;
const PROVIDER_ID_PREFIX = "lkip_";
const PROVIDER_ID_BYTES = 10;

/**
 * The JWS algorithms a provider may name: asymmetric only. `none` would accept unsigned tokens, and an HS*
 * algorithm verified with a published (public) key lets anyone who reads the key set forge tokens.
 */
export const IDENTITY_ALGORITHMS = [
	"RS256",
	"RS384",
	"RS512",
	"PS256",
	"PS384",
	"PS512",
	"ES256",
	"ES384",
	"ES512",
	"EdDSA",
] as const;

/** Options of the server (LATCHKEY_IDP_ALLOW_HTTP) that the rules below depend on. */
export interface IdentityProviderOptions {
	/**
	 * Accept `http://` key set URLs on loopback hosts (tests and local issuers). Default false: https only, since a
	 * key set fetched in the clear can be replaced by anyone on the path.
	 */
	allowHttp?: boolean;
}

const UID_PREFIX_PATTERN = /^[A-Za-z0-9_-]+$/;
const CLAIM_NAME = z.string().min(1).max(100);
/** JWK members that only private or symmetric keys have: an inline key set holds public keys only. */
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

const jwkSchema = z
	.looseObject({
		kty: z.enum(["RSA", "EC", "OKP"]),
		kid: z.string().max(200).optional(),
		alg: z.string().max(20).optional(),
		use: z.string().max(20).optional(),
	})
	.superRefine((key, ctx) => {
		for (const member of PRIVATE_JWK_MEMBERS) {
			if (member in key) {
				ctx.addIssue({ code: "custom", path: [member], message: "The jwks may hold public keys only." });
			}
		}
	});

const jwksSchema = z.object({ keys: z.array(jwkSchema).min(1).max(20) });

const PROVIDER_FIELDS = [
	"issuer",
	"jwksUri",
	"jwks",
	"audiences",
	"algorithms",
	"uidClaim",
	"nameClaim",
	"avatarClaim",
	"clockSkewSeconds",
	"createUsers",
	"uidPrefix",
	"uidMapping",
] as const;

// `.int()` would be described as "must be a int": a refinement words it (as auth-tokens.ts does).
const clockSkewSchema = z
	.number()
	.refine(Number.isInteger, { message: "The clockSkewSeconds must be a whole number." })
	.min(0)
	.max(300);

const providerFieldsSchema = z.looseObject({
	issuer: z.string().min(1).max(1000),
	jwksUri: z.string().min(1).max(2000).optional(),
	jwks: jwksSchema.optional(),
	audiences: z.array(z.string().min(1).max(1000)).min(1).max(20),
	algorithms: z.array(z.enum(IDENTITY_ALGORITHMS)).min(1).max(IDENTITY_ALGORITHMS.length),
	uidClaim: CLAIM_NAME.optional(),
	nameClaim: CLAIM_NAME.optional(),
	avatarClaim: CLAIM_NAME.optional(),
	clockSkewSeconds: clockSkewSchema.optional(),
	createUsers: z.boolean().optional(),
	uidPrefix: z
		.string()
		.min(1)
		.max(50)
		.regex(UID_PREFIX_PATTERN, { message: "The uidPrefix may only contain letters, numbers, dashes and underscores." })
		.optional(),
	uidMapping: z.enum(["strict", "sanitize"]).optional(),
});

/** The body of POST /identity_providers as the OpenAPI document describes it (the refinements are not shown). */
export const identityProviderSchema = providerFieldsSchema;

/** The body of PUT /identity_providers/{id}: any field of a provider; null removes an optional one. */
export const updateIdentityProviderSchema = providerFieldsSchema.partial().extend({
	nameClaim: CLAIM_NAME.nullable().optional(),
	avatarClaim: CLAIM_NAME.nullable().optional(),
	uidPrefix: z.string().min(1).max(50).nullable().optional(),
});

/** Whether `host` (as URL.hostname gives it) is this machine. */
function isLoopbackHost(host: string): boolean {
	return host === "localhost" || host === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

function providerSchema(options: IdentityProviderOptions) {
	return providerFieldsSchema.superRefine((value, ctx) => {
		for (const field of Object.keys(value)) {
			if (!(PROVIDER_FIELDS as readonly string[]).includes(field)) {
				ctx.addIssue({ code: "custom", path: [field], message: `The ${field} field is not allowed.` });
			}
		}
		if (value.jwksUri === undefined && value.jwks === undefined) {
			ctx.addIssue({
				code: "custom",
				path: ["jwksUri"],
				message: "The jwksUri field is required when jwks is not present.",
			});
		}
		if (value.jwksUri !== undefined && value.jwks !== undefined) {
			ctx.addIssue({
				code: "custom",
				path: ["jwksUri"],
				message: "The jwksUri field is prohibited when jwks is present.",
			});
		}
		if (value.jwksUri !== undefined) {
			const problem = checkJWKSURI(value.jwksUri, options);
			if (problem) ctx.addIssue({ code: "custom", path: ["jwksUri"], message: problem });
		}
	});
}

/** Why a key set URL is refused, or null when it is fine. */
export function checkJWKSURI(value: string, options: IdentityProviderOptions): string | null {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return "The jwksUri must be an absolute URL.";
	}
	if (url.username !== "" || url.password !== "") return "The jwksUri may not contain credentials.";
	if (url.protocol === "https:") return null;
	if (url.protocol === "http:" && options.allowHttp && isLoopbackHost(url.hostname)) return null;
	return "The jwksUri must be an https URL.";
}

type ProviderInput = z.output<typeof providerFieldsSchema>;

function toRecord(
	parsed: ProviderInput,
	base: { id: string; appId: string; createdAt: number; updatedAt: number | null },
): IdentityProviderRecord {
	return {
		...base,
		issuer: parsed.issuer,
		jwksUri: parsed.jwksUri ?? null,
		jwks: parsed.jwks ?? null,
		audiences: parsed.audiences,
		// Duplicates would only make the list longer: each algorithm once, in the order given.
		algorithms: [...new Set(parsed.algorithms)],
		uidClaim: parsed.uidClaim ?? "sub",
		nameClaim: parsed.nameClaim ?? null,
		avatarClaim: parsed.avatarClaim ?? null,
		clockSkewSeconds: parsed.clockSkewSeconds ?? 60,
		createUsers: parsed.createUsers ?? true,
		uidPrefix: parsed.uidPrefix ?? null,
		uidMapping: parsed.uidMapping ?? "strict",
	};
}

function issuerTaken(): LatchkeyError {
	return new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
		issuer: ["This app already trusts an identity provider with this issuer."],
	});
}

export function identityProviderNotFound(id: string): LatchkeyError {
	return new LatchkeyError(
		"ERR_IDENTITY_PROVIDER_NOT_FOUND",
		`The identity provider ${id.slice(0, 64)} does not exist in this app.`,
	);
}

/**
 * Trusts a new issuer for the app: its JWTs may then be exchanged for auth tokens (domain/token-exchange.ts).
 *
 * @example
 * const provider = await createIdentityProvider(deps, appId, {
 *   issuer: "https://example.eu.auth0.com/", jwksUri: "https://example.eu.auth0.com/.well-known/jwks.json",
 *   audiences: ["https://chat.example.com"], algorithms: ["RS256"],
 * });
 */
export async function createIdentityProvider(
	deps: DomainDeps,
	appId: string,
	input: unknown,
	options: IdentityProviderOptions = {},
): Promise<IdentityProviderRecord> {
	const parsed = parseInput(providerSchema(options), input);
	const provider = toRecord(parsed, {
		id: PROVIDER_ID_PREFIX + randomBytes(PROVIDER_ID_BYTES).toString("hex"),
		appId,
		createdAt: deps.clock.now(),
		updatedAt: null,
	});
	const outcome = await deps.store.insertIdentityProvider(provider, { maxPerApp: MAX_IDENTITY_PROVIDERS_PER_APP });
	if (outcome === "issuerTaken") throw issuerTaken();
	if (outcome === "quota") {
		throw new LatchkeyError(
			"ERR_PLAN_QUOTA_RESTRICTION",
			`The allowed limit of ${MAX_IDENTITY_PROVIDERS_PER_APP} identity providers for this app has been reached. Delete one before adding another.`,
		);
	}
	return provider;
}

export async function listIdentityProviders(deps: DomainDeps, appId: string): Promise<IdentityProviderRecord[]> {
	return await deps.store.listIdentityProviders(appId);
}

/** The app's provider `id`; ERR_IDENTITY_PROVIDER_NOT_FOUND when the app has none of that id. */
export async function getIdentityProvider(
	deps: DomainDeps,
	appId: string,
	id: string,
): Promise<IdentityProviderRecord> {
	const provider = await deps.store.getIdentityProvider(appId, id);
	if (!provider) throw identityProviderNotFound(id);
	return provider;
}

/** The provider as its create body would state it: what an update merges its fields into. */
function toInput(provider: IdentityProviderRecord): Record<string, unknown> {
	return {
		issuer: provider.issuer,
		...(provider.jwksUri !== null && { jwksUri: provider.jwksUri }),
		...(provider.jwks !== null && { jwks: provider.jwks }),
		audiences: provider.audiences,
		algorithms: provider.algorithms,
		uidClaim: provider.uidClaim,
		...(provider.nameClaim !== null && { nameClaim: provider.nameClaim }),
		...(provider.avatarClaim !== null && { avatarClaim: provider.avatarClaim }),
		clockSkewSeconds: provider.clockSkewSeconds,
		createUsers: provider.createUsers,
		...(provider.uidPrefix !== null && { uidPrefix: provider.uidPrefix }),
		uidMapping: provider.uidMapping,
	};
}

/**
 * Changes a provider: the fields given replace the stored ones, `null` removes an optional one (nameClaim,
 * avatarClaim, uidPrefix), and giving `jwksUri` drops an inline `jwks` (and the other way round). The result is
 * validated as a new provider would be.
 *
 * @example
 * await updateIdentityProvider(deps, appId, "lkip_…", { audiences: ["chat-web", "chat-ios"] });
 */
export async function updateIdentityProvider(
	deps: DomainDeps,
	appId: string,
	id: string,
	input: Record<string, unknown>,
	options: IdentityProviderOptions = {},
): Promise<IdentityProviderRecord> {
	const stored = await getIdentityProvider(deps, appId, id);
	const merged: Record<string, unknown> = toInput(stored);
	if ("jwksUri" in input) delete merged.jwks;
	if ("jwks" in input) delete merged.jwksUri;
	for (const [field, value] of Object.entries(input)) {
		if (value === null && ["nameClaim", "avatarClaim", "uidPrefix"].includes(field)) delete merged[field];
		else merged[field] = value;
	}
	const parsed = parseInput(providerSchema(options), merged);
	const provider = toRecord(parsed, {
		id: stored.id,
		appId,
		createdAt: stored.createdAt,
		updatedAt: deps.clock.now(),
	});
	const outcome = await deps.store.updateIdentityProvider(provider);
	if (outcome === "issuerTaken") throw issuerTaken();
	if (outcome === null) throw identityProviderNotFound(id);
	return provider;
}

/** Stops trusting a provider: its tokens are refused from now on; tokens already minted are kept. */
export async function deleteIdentityProvider(deps: DomainDeps, appId: string, id: string): Promise<void> {
	if (!(await deps.store.deleteIdentityProvider(appId, id))) throw identityProviderNotFound(id);
}

/** The wire shape of a provider (REST and the CLI's `--json`); unset fields are absent. Times are unix seconds. */
export function presentIdentityProvider(provider: IdentityProviderRecord): Record<string, unknown> {
	return {
		id: provider.id,
		...toInput(provider),
		createdAt: toUnixSeconds(provider.createdAt),
		...(provider.updatedAt !== null && { updatedAt: toUnixSeconds(provider.updatedAt) }),
	};
}
