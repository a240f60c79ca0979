/** The auth frame the official SDK sends right after `open` (spec/cometchat-sdk-wire.md §5). */
export interface AuthFrame {
	jwt: string;
	appId: string | null;
	sender: string | null;
	deviceId: string | null;
}

/** What a realtime JWT claims before its signature is checked: only good for indexing a pending socket. */
export interface UnverifiedClaims {
	appId: string;
	uid: string;
	tokenId: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readString(value: unknown): string | null {
	return typeof value === "string" ? value : null;
}

/** A text frame's JSON object, or null for anything else (clients may send frames we do not handle). */
export function parseClientFrame(text: string): Record<string, unknown> | null {
	try {
		const parsed: unknown = JSON.parse(text);
		return isRecord(parsed) ? parsed : null;
	} catch {
		return null;
	}
}

export function isPingFrame(frame: Record<string, unknown>): boolean {
	return frame.action === "ping";
}

export function isAuthAttempt(frame: Record<string, unknown>): boolean {
	return frame.type === "auth";
}

/** The auth frame's fields, or null when it is not a usable auth frame (no `body.auth` string). */
export function readAuthFrame(frame: Record<string, unknown>): AuthFrame | null {
	if (!isAuthAttempt(frame) || !isRecord(frame.body)) return null;
	const jwt = readString(frame.body.auth);
	if (jwt === null || jwt.length === 0 || jwt.length > 4096) return null;
	return {
		jwt,
		appId: readString(frame.appId),
		sender: readString(frame.sender),
		deviceId: readString(frame.deviceId) ?? readString(frame.body.deviceId),
	};
}

/**
 * Reads app, user and token id from a JWT payload without checking anything. The hub indexes a socket by
 * these while the real verification runs, so a revocation published meanwhile still finds the socket.
 */
export function peekRealtimeClaims(jwt: string): UnverifiedClaims | null {
	const payload = jwt.split(".")[1];
	if (payload === undefined) return null;
	try {
		const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
		if (!isRecord(claims)) return null;
		const appId = readString(claims.aud);
		const uid = readString(claims.sub);
		const tokenId = readString(claims.tid);
		return appId && uid && tokenId ? { appId, uid, tokenId } : null;
	} catch {
		return null;
	}
}

/** The answer that makes the SDK start its keepalive: `code` must be the string "200", `status` exactly "OK". */
export function encodeAuthAccepted(fields: { appId: string; sender: string; deviceId: string | null }): string {
	return JSON.stringify({
		appId: fields.appId,
		type: "auth",
		sender: fields.sender,
		deviceId: fields.deviceId,
		body: { code: "200", status: "OK" },
	});
}

export const PONG_FRAME = JSON.stringify({ action: "pong" });
