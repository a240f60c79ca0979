import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { AppRecord, Session } from "../store/store.ts";
import { toUnixSeconds } from "./clock.ts";
import type { DomainDeps } from "./deps.ts";
import { expireTokens, hasExpired, noteTokenUse } from "./expiry.ts";

interface RealtimeClaims {
	iss: "latchkey";
	aud: string;
	sub: string;
	tid: string;
	iat: number;
}

function encodeBase64URL(value: string | Buffer): string {
	return Buffer.from(value).toString("base64url");
}

function sign(input: string, secret: string): Buffer {
	return createHmac("sha256", secret).update(input).digest();
}

/**
 * The key id of an app's signing secret: a short hash of it, so a JWT names the secret that signed it and the
 * secret can later rotate with the old one still verifying its JWTs. It reveals nothing usable about a 256-bit
 * secret.
 */
export function getSigningKeyId(secret: string): string {
	return createHash("sha256").update(`latchkey realtime jwt kid\0${secret}`).digest("base64url").slice(0, 16);
}

interface JWTHeader {
	alg: "HS256";
	typ?: "JWT";
	kid?: string;
}

/**
 * Only exactly HS256 is accepted (no `none`, no other HMAC, no key type confusion), `typ` is JWT when present,
 * and `kid` is a string when present.
 */
function parseHeader(header: string): JWTHeader | null {
	try {
		const value = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as unknown;
		if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
		const fields = value as Record<string, unknown>;
		if (fields.alg !== "HS256") return null;
		if (fields.typ !== undefined && fields.typ !== "JWT") return null;
		if (fields.kid !== undefined && typeof fields.kid !== "string") return null;
		return fields as unknown as JWTHeader;
	} catch {
		return null;
	}
}

// An HMAC-SHA256 signature is 32 bytes: 43 base64url characters, no padding.
const SIGNATURE_LENGTH = 43;

/**
 * The realtime credential handed out with every `/me` answer: an HS256 JWT naming app, user and token.
 * It has no expiry of its own: it is valid exactly while its auth token is, because verification
 * also looks the token up. The same token always yields the same JWT.
 */
export function signRealtimeJWT(app: AppRecord, session: Session): string {
	const header = encodeBase64URL(JSON.stringify({ alg: "HS256", typ: "JWT", kid: getSigningKeyId(app.jwtSecret) }));
	const claims: RealtimeClaims = {
		iss: "latchkey",
		aud: app.id,
		sub: session.user.uid,
		tid: session.token.id,
		iat: toUnixSeconds(session.token.createdAt),
	};
	const payload = encodeBase64URL(JSON.stringify(claims));
	return `${header}.${payload}.${encodeBase64URL(sign(`${header}.${payload}`, app.jwtSecret))}`;
}

function parseClaims(payload: string): RealtimeClaims | null {
	try {
		const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<RealtimeClaims>;
		if (typeof claims.aud !== "string" || typeof claims.sub !== "string" || typeof claims.tid !== "string") return null;
		return claims as RealtimeClaims;
	} catch {
		return null;
	}
}

/**
 * Resolves a realtime JWT to a live session, or null: a header other than HS256, a non-canonical or bad
 * signature, an unknown key id, unknown app, revoked token, deactivated user. A JWT without `kid` (issued before
 * key ids existed) is checked against the app's one secret, which is the secret that signed it.
 *
 * @example
 * const session = await verifyRealtimeJWT(deps, frame.body.auth);
 */
export async function verifyRealtimeJWT(deps: DomainDeps, jwt: string): Promise<Session | null> {
	const parts = jwt.split(".");
	if (parts.length !== 3) return null;
	const [header, payload, signature] = parts as [string, string, string];
	const parsedHeader = parseHeader(header);
	if (!parsedHeader) return null;
	// Decoding base64url ignores stray trailing bits and bad characters; a signature that does not re-encode to
	// itself is a second spelling of some signature, refused so that one JWT has exactly one accepted form.
	if (signature.length !== SIGNATURE_LENGTH) return null;
	const actual = Buffer.from(signature, "base64url");
	if (actual.toString("base64url") !== signature) return null;
	const claims = parseClaims(payload);
	if (!claims) return null;
	const app = await deps.store.getApp(claims.aud);
	if (!app) return null;
	// One secret per app today: a kid other than its own names a secret this server does not have.
	if (parsedHeader.kid !== undefined && parsedHeader.kid !== getSigningKeyId(app.jwtSecret)) return null;
	const expected = sign(`${header}.${payload}`, app.jwtSecret);
	// Constant-time comparison prevents forging a signature byte by byte.
	if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
	const session = await deps.store.getSession(claims.tid);
	if (!session || session.token.appId !== app.id || session.user.uid !== claims.sub) return null;
	if (session.user.deactivatedAt !== null) return null;
	if (app.security !== undefined) {
		const now = deps.clock.now();
		if (await hasExpired(deps, app, session, now)) {
			await expireTokens(deps, app.id, [session.token.id]);
			return null;
		}
		await noteTokenUse(deps, app, session, now);
	}
	return session;
}
