import { createHmac, timingSafeEqual } from "node:crypto";
import type { AppRecord, Session } from "../store/store.ts";
import { toUnixSeconds } from "./clock.ts";
import type { DomainDeps } from "./deps.ts";

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
 * The realtime credential handed out with every `/me` answer: an HS256 JWT naming app, user and token.
 * It has no expiry of its own: it is valid exactly while its auth token is, because verification
 * also looks the token up. The same token always yields the same JWT.
 */
export function signRealtimeJWT(app: AppRecord, session: Session): string {
	const header = encodeBase64URL(JSON.stringify({ alg: "HS256", typ: "JWT" }));
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
 * Resolves a realtime JWT to a live session, or null: bad signature, unknown app, revoked token,
 * deactivated user.
 *
 * @example
 * const session = await verifyRealtimeJWT(deps, frame.body.auth);
 */
export async function verifyRealtimeJWT(deps: DomainDeps, jwt: string): Promise<Session | null> {
	const parts = jwt.split(".");
	if (parts.length !== 3) return null;
	const [header, payload, signature] = parts as [string, string, string];
	const claims = parseClaims(payload);
	if (!claims) return null;
	const app = await deps.store.getApp(claims.aud);
	if (!app) return null;
	const expected = sign(`${header}.${payload}`, app.jwtSecret);
	const actual = Buffer.from(signature, "base64url");
	// Constant-time comparison prevents forging a signature byte by byte.
	if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
	const session = await deps.store.getSession(claims.tid);
	if (!session || session.token.appId !== app.id || session.user.uid !== claims.sub) return null;
	if (session.user.deactivatedAt !== null) return null;
	return session;
}
