import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { AppDeps } from "../web/deps.ts";
import type { DashboardContext } from "./session.ts";

/** A flash lives this long: enough for the redirect after the POST, not for a forgotten tab. */
export const FLASH_TTL_MS = 5 * 60 * 1000;

/**
 * A one-time secret carried from a POST to the page its redirect lands on (issue 17): `kind` says what it is
 * ("auth-token", "api-key", …), `values` holds what the page shows. Other pages may use their own kinds.
 */
export interface FlashPayload {
	kind: string;
	values: Record<string, string>;
}

const SEAL_NONCE_BYTES = 12;
const SEAL_TAG_BYTES = 16;

// The key comes from the session's CSRF token, itself an HMAC of the cookie's secret: the database keeps
// neither, so a stored flash cannot be opened by anyone reading the database.
function sealKey(c: DashboardContext): Buffer {
	return createHash("sha256").update("latchkey-dashboard-flash\0").update(c.get("operatorSession").csrfToken).digest();
}

// The flash's id and session are authenticated data, so a sealed payload cannot be moved to another row.
function associatedData(id: string, sessionId: string): Buffer {
	return Buffer.from(`${id}\0${sessionId}`);
}

function seal(c: DashboardContext, id: string, payload: FlashPayload): string {
	const nonce = randomBytes(SEAL_NONCE_BYTES);
	const cipher = createCipheriv("aes-256-gcm", sealKey(c), nonce);
	cipher.setAAD(associatedData(id, c.get("operatorSession").session.id));
	const body = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
	return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64url");
}

function unseal(c: DashboardContext, id: string, sealed: string): FlashPayload | null {
	const bytes = Buffer.from(sealed, "base64url");
	if (bytes.length < SEAL_NONCE_BYTES + SEAL_TAG_BYTES) return null;
	try {
		const decipher = createDecipheriv("aes-256-gcm", sealKey(c), bytes.subarray(0, SEAL_NONCE_BYTES));
		decipher.setAAD(associatedData(id, c.get("operatorSession").session.id));
		decipher.setAuthTag(bytes.subarray(bytes.length - SEAL_TAG_BYTES));
		const text = Buffer.concat([
			decipher.update(bytes.subarray(SEAL_NONCE_BYTES, bytes.length - SEAL_TAG_BYTES)),
			decipher.final(),
		]).toString("utf8");
		const parsed: unknown = JSON.parse(text);
		if (typeof parsed !== "object" || parsed === null) return null;
		const { kind, values } = parsed as { kind?: unknown; values?: unknown };
		if (typeof kind !== "string" || typeof values !== "object" || values === null) return null;
		return { kind, values: values as Record<string, string> };
	} catch {
		return null;
	}
}

/** Stores a flash for this operator session; put the returned id in the redirect's `?flash=`. */
export async function createFlash(deps: AppDeps, c: DashboardContext, payload: FlashPayload): Promise<string> {
	const id = randomBytes(16).toString("base64url");
	const now = deps.clock.now();
	await deps.store.insertDashboardFlash({
		id,
		sessionId: c.get("operatorSession").session.id,
		sealed: seal(c, id, payload),
		createdAt: now,
		expiresAt: now + FLASH_TTL_MS,
	});
	return id;
}

/**
 * The flash named by `?flash=` of this request, read once: it is deleted as it is read, so a reload shows nothing.
 * Null when there is none, it belongs to another session, it expired, or it is of another kind.
 */
export async function consumeFlash(deps: AppDeps, c: DashboardContext, kind: string): Promise<FlashPayload | null> {
	const id = c.req.query("flash");
	if (!id || !/^[\w-]{1,64}$/.test(id)) return null;
	const sealed = await deps.store.consumeDashboardFlash(id, c.get("operatorSession").session.id, deps.clock.now());
	if (sealed === null) return null;
	const payload = unseal(c, id, sealed);
	return payload && payload.kind === kind ? payload : null;
}
