import {
	createLocalJWKSet,
	createRemoteJWKSet,
	decodeJwt,
	decodeProtectedHeader,
	errors,
	type JWTPayload,
	type JWTVerifyGetKey,
	jwtVerify,
} from "jose";
import { z } from "zod";
import type { IdentityProviderRecord, UserRecord } from "../store/store.ts";
import { createAuthToken } from "./auth-tokens.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError, uidNotFound } from "./errors.ts";
import { checkJWKSURI, IDENTITY_ALGORITHMS, type IdentityProviderOptions } from "./identity-providers.ts";
import { createUser, normalizeUid } from "./users.ts";
import { parseInput } from "./validation.ts";

/** Why an identity token was refused: `details.reason` of AUTH_ERR_INVALID_IDENTITY_TOKEN (docs/errors.md). */
export type IdentityTokenRefusal =
	| "signature"
	| "expired"
	| "not_yet_valid"
	| "issuer"
	| "audience"
	| "algorithm"
	| "unknown_kid"
	| "claim";

function invalidIdentityToken(reason: IdentityTokenRefusal, message: string): LatchkeyError {
	return new LatchkeyError("AUTH_ERR_INVALID_IDENTITY_TOKEN", message, { reason });
}

/** A remote key set is fetched again on an unknown `kid` at most this often (jose's cooldown). */
export const JWKS_COOLDOWN_MS = 30_000;
/** A fetched key set is used for this long before it is fetched again. */
export const JWKS_MAX_AGE_MS = 10 * 60_000;
/** A key set fetch that takes longer fails the exchange. */
const JWKS_TIMEOUT_MS = 5_000;
/** The longest subject (uid claim value) linked to a uid. */
const MAX_SUBJECT_LENGTH = 255;
const MAX_TOKEN_LENGTH = 8192;

/**
 * The key sets of every provider this node verified tokens for, one per provider, built once and kept: a remote
 * set caches its keys (JWKS_MAX_AGE_MS) and fetches again on an unknown `kid` after JWKS_COOLDOWN_MS (jose's
 * createRemoteJWKSet), so an issuer's key rotation is picked up and a flood of unknown kids costs one fetch per
 * cooldown. A provider changed on any node has a new `updatedAt`, and its set is built again here.
 */
export class IdentityKeySets {
	private readonly sets = new Map<string, { version: string; resolve: JWTVerifyGetKey }>();

	constructor(readonly options: IdentityProviderOptions = {}) {}

	/** The key resolver of a provider; throws AUTH_ERR_INVALID_IDENTITY_TOKEN when its URL is no longer allowed. */
	resolverOf(provider: IdentityProviderRecord): JWTVerifyGetKey {
		const version = `${provider.updatedAt ?? provider.createdAt}\n${provider.jwksUri ?? ""}`;
		const known = this.sets.get(provider.id);
		if (known && known.version === version) return known.resolve;
		const resolve = this.build(provider);
		this.sets.set(provider.id, { version, resolve });
		return resolve;
	}

	/** Drops a deleted provider's keys. */
	forget(providerId: string): void {
		this.sets.delete(providerId);
	}

	private build(provider: IdentityProviderRecord): JWTVerifyGetKey {
		if (provider.jwks !== null) return createLocalJWKSet(provider.jwks as Parameters<typeof createLocalJWKSet>[0]);
		const uri = provider.jwksUri ?? "";
		// Checked again at use: LATCHKEY_IDP_ALLOW_HTTP may have been turned off since the provider was saved.
		if (checkJWKSURI(uri, this.options) !== null) {
			return () => {
				throw invalidIdentityToken("unknown_kid", "The identity provider's keys could not be loaded.");
			};
		}
		return createRemoteJWKSet(new URL(uri), {
			cooldownDuration: JWKS_COOLDOWN_MS,
			cacheMaxAge: JWKS_MAX_AGE_MS,
			timeoutDuration: JWKS_TIMEOUT_MS,
		});
	}
}

export const exchangeIdentityTokenSchema = z
	.looseObject({
		token: z.string().min(1).max(MAX_TOKEN_LENGTH).optional().meta({ description: "The identity provider's JWT." }),
		// RFC 8693's name for the same thing.
		subject_token: z.string().min(1).max(MAX_TOKEN_LENGTH).optional(),
	})
	.superRefine((value, ctx) => {
		if (value.token === undefined && value.subject_token === undefined) {
			ctx.addIssue({ code: "custom", path: ["token"], message: "The token field is required." });
		}
	});

/** A token whose signature and claims held: who it names, and the user it maps to. */
export interface VerifiedIdentity {
	provider: IdentityProviderRecord;
	/** The uid claim's value as the provider issued it. */
	subject: string;
	/** The uid this subject signs in as: the one it was linked to before, else the one the claim maps to. */
	uid: string;
	/** Whether `uid` comes from an earlier sign-in of this subject. */
	linked: boolean;
	name: string | null;
	avatar: string | null;
}

const ASYMMETRIC: ReadonlySet<string> = new Set(IDENTITY_ALGORITHMS);

/** jose's verification failures as refusal reasons; anything else (a bug, a fetch failure) is not the token's fault. */
function refusalOf(error: unknown): LatchkeyError {
	if (error instanceof LatchkeyError) return error;
	if (error instanceof errors.JWTExpired) return invalidIdentityToken("expired", "The identity token has expired.");
	if (error instanceof errors.JWTClaimValidationFailed) {
		if (error.claim === "nbf") return invalidIdentityToken("not_yet_valid", "The identity token is not valid yet.");
		if (error.claim === "iss") return issuerRefused();
		if (error.claim === "aud") {
			return invalidIdentityToken(
				"audience",
				"The identity token's audience is not accepted by its identity provider.",
			);
		}
		return invalidIdentityToken("claim", `The identity token's ${error.claim} claim is missing or invalid.`);
	}
	if (error instanceof errors.JOSEAlgNotAllowed) return algorithmRefused();
	if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
		return invalidIdentityToken("unknown_kid", "No key of the identity provider matches the identity token.");
	}
	if (error instanceof errors.JWSSignatureVerificationFailed) {
		return invalidIdentityToken("signature", "The identity token's signature could not be verified.");
	}
	if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return malformed();
	// The key set could not be fetched or parsed (timeout, HTTP error, not JSON): no key to check against.
	return invalidIdentityToken("unknown_kid", "The identity provider's keys could not be loaded.");
}

function malformed(): LatchkeyError {
	return invalidIdentityToken("signature", "The identity token is not a well-formed signed JWT.");
}

function issuerRefused(): LatchkeyError {
	return invalidIdentityToken("issuer", "The identity token's issuer is not a trusted identity provider of this app.");
}

function algorithmRefused(): LatchkeyError {
	return invalidIdentityToken("algorithm", "The identity token's algorithm is not accepted by its identity provider.");
}

/** The claim as a string (numbers too: some providers issue numeric subjects); null when it is neither. */
function claimText(payload: JWTPayload, claim: string | null): string | null {
	if (claim === null) return null;
	const value = payload[claim];
	if (typeof value === "string") return value;
	if (typeof value === "number" && Number.isFinite(value)) return String(value);
	return null;
}

/** The uid a subject maps to under the provider's rules; null when it cannot be one (strict mode, or too long). */
export function mapSubjectToUid(provider: IdentityProviderRecord, subject: string): string | null {
	const candidate = `${provider.uidPrefix ?? ""}${subject}`;
	// Sanitize replaces each character a uid may not hold; the length is never cut, so two subjects cannot meet
	// by truncation (a collision of replaced characters is caught when linking).
	const mapped = provider.uidMapping === "sanitize" ? candidate.replace(/[^A-Za-z0-9_-]/g, "_") : candidate;
	return normalizeUid(mapped);
}

/**
 * Verifies an external identity token against the app's trusted providers: the provider is the one whose issuer
 * the token names, and its signature (by a key of that provider's key set, with one of its algorithms), `iss`,
 * `aud`, `exp` (required), `nbf` and `iat` must hold, with the provider's clock skew. Throws
 * AUTH_ERR_INVALID_IDENTITY_TOKEN with `details.reason` otherwise; ERR_BAD_REQUEST without a token.
 *
 * @example
 * const identity = await verifyIdentityToken(deps, appId, { token: idToken }, keySets);
 */
export async function verifyIdentityToken(
	deps: DomainDeps,
	appId: string,
	input: unknown,
	keySets: IdentityKeySets,
): Promise<VerifiedIdentity> {
	const parsed = parseInput(exchangeIdentityTokenSchema, input);
	const token = parsed.token ?? parsed.subject_token ?? "";
	let alg: unknown;
	let unverified: JWTPayload;
	try {
		alg = decodeProtectedHeader(token).alg;
		unverified = decodeJwt(token);
	} catch {
		throw malformed();
	}
	// Refused before any key is looked at: `none` carries no signature, and HS* with a public key is forgeable.
	if (typeof alg !== "string" || !ASYMMETRIC.has(alg)) {
		throw invalidIdentityToken("algorithm", "The identity token's algorithm is not allowed.");
	}
	if (typeof unverified.iss !== "string") throw issuerRefused();
	// The issuer only picks which provider's keys to try; it is checked again, signed, by jwtVerify.
	const provider = await deps.store.findIdentityProviderByIssuer(appId, unverified.iss);
	if (!provider) throw issuerRefused();
	if (!provider.algorithms.includes(alg)) throw algorithmRefused();
	const now = deps.clock.now();
	let payload: JWTPayload;
	try {
		({ payload } = await jwtVerify(token, keySets.resolverOf(provider), {
			issuer: provider.issuer,
			audience: provider.audiences,
			algorithms: provider.algorithms,
			clockTolerance: provider.clockSkewSeconds,
			currentDate: new Date(now),
			requiredClaims: ["exp"],
		}));
	} catch (error) {
		throw refusalOf(error);
	}
	// jose checks `iat` only against a maximum age; a token issued in the future is not valid yet.
	if (typeof payload.iat === "number" && payload.iat > Math.floor(now / 1000) + provider.clockSkewSeconds) {
		throw invalidIdentityToken("not_yet_valid", "The identity token is not valid yet.");
	}
	const subject = claimText(payload, provider.uidClaim);
	if (subject === null || subject === "" || subject.length > MAX_SUBJECT_LENGTH) {
		throw invalidIdentityToken("claim", `The identity token has no usable ${provider.uidClaim} claim.`);
	}
	const profile = { name: claimText(payload, provider.nameClaim), avatar: claimText(payload, provider.avatarClaim) };
	const linkedUid = await deps.store.getIdentitySubjectUid(provider.id, subject);
	if (linkedUid !== null) return { provider, subject, uid: linkedUid, linked: true, ...profile };
	const uid = mapSubjectToUid(provider, subject);
	if (uid === null) {
		throw invalidIdentityToken("claim", `The identity token's ${provider.uidClaim} claim is not a valid uid.`);
	}
	return { provider, subject, uid, linked: false, ...profile };
}

/** The device facts a login may name (as POST /users/{uid}/auth_tokens takes them); createAuthToken checks them. */
function deviceInput(input: unknown): Record<string, unknown> {
	if (input === null || typeof input !== "object") return {};
	const device: Record<string, unknown> = {};
	for (const field of ["platform", "userAgent", "deviceId", "appInfo"]) {
		if (field in input) device[field] = (input as Record<string, unknown>)[field];
	}
	return device;
}

/** A profile for a user created from a token: the name claim (else the uid), cut to what a user may hold. */
function newUserInput(identity: VerifiedIdentity): Record<string, unknown> {
	const name = identity.name?.trim().slice(0, 100) || identity.uid;
	const avatar = identity.avatar !== null && identity.avatar.length <= 3000 ? identity.avatar : undefined;
	return { uid: identity.uid, name, ...(avatar !== undefined && { avatar }) };
}

/**
 * Signs a verified identity in: creates its user on first sight when the provider allows it (else
 * ERR_UID_NOT_FOUND), links the subject to the uid (refusing, reason `claim`, a uid another subject holds) and mints
 * an auth token through createAuthToken, under every rule other tokens follow.
 *
 * @example
 * const { user, plaintext } = await signInWithIdentity(deps, appId, identity, { platform: "WEB" });
 */
export async function signInWithIdentity(
	deps: DomainDeps,
	appId: string,
	identity: VerifiedIdentity,
	input: unknown = {},
): Promise<{ user: UserRecord; plaintext: string; created: boolean }> {
	const { provider, subject, uid } = identity;
	let created = false;
	if (!identity.linked) {
		if ((await deps.store.getUser(appId, uid)) === null) {
			if (!provider.createUsers) throw uidNotFound(uid);
			try {
				await createUser(deps, appId, newUserInput(identity));
				created = true;
			} catch (error) {
				// Another exchange created the same uid first: this one goes on, and the link decides who holds it.
				if (!(error instanceof LatchkeyError && error.code === "ERR_UID_ALREADY_EXISTS")) throw error;
			}
		}
		const holder = await deps.store.linkIdentitySubject({
			appId,
			providerId: provider.id,
			subject,
			uid,
			createdAt: deps.clock.now(),
		});
		if (holder.providerId !== provider.id || holder.subject !== subject) {
			throw invalidIdentityToken("claim", "The uid the identity token maps to belongs to another subject.");
		}
	}
	// Audited as `login.succeeded` with method `exchange`, in the token's own write.
	const { plaintext } = await createAuthToken(deps, appId, uid, deviceInput(input), { login: "exchange" });
	const user = await deps.store.getUser(appId, uid);
	if (!user) throw uidNotFound(uid);
	return { user, plaintext, created };
}
