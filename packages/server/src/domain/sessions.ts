import { z } from "zod";
import type { AppRecord, AuthTokenRecord, Session } from "../store/store.ts";
import {
	authTokenNotFoundForUser,
	deleteToken,
	findTokenOfUser,
	MAX_AUTH_TOKENS_PER_USER,
	revokeSelectedTokens,
} from "./auth-tokens.ts";
import { toUnixSeconds } from "./clock.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { tokenExpiresAt } from "./expiry.ts";
import { maskCredential } from "./secrets.ts";
import { parseInput } from "./validation.ts";

/**
 * "My devices" (issue 15, ASVS 5.0 V7.5): a user sees their own live tokens and ends any of them with their own
 * token. Every ending is a `token.revoked` event like any other revocation, so caches and sockets follow at once.
 */

/** One of the caller's tokens as `/me/sessions` shows it: never the token's value, only its id and a mask. */
export function presentSession(token: AuthTokenRecord, current: Session): Record<string, unknown> {
	return {
		id: token.id,
		authToken: maskCredential(token.id),
		...(token.platform !== null && { platform: token.platform }),
		...(token.userAgent !== null && { userAgent: token.userAgent }),
		...(token.deviceId !== null && { deviceId: token.deviceId }),
		...(token.appInfo !== null && { appInfo: token.appInfo }),
		...(token.lastUsedIp !== undefined && token.lastUsedIp !== null && { ip: token.lastUsedIp }),
		createdAt: toUnixSeconds(token.createdAt),
		...(token.lastUsedAt !== null && { lastUsedAt: toUnixSeconds(token.lastUsedAt) }),
		current: token.id === current.token.id,
	};
}

/**
 * The caller's live tokens, newest first: all of them (a user holds at most MAX_AUTH_TOKENS_PER_USER), without
 * those already past the app's idle or absolute timeout (they are refused on their next use).
 *
 * @example
 * const tokens = await listOwnSessions(deps, app, session);
 */
export async function listOwnSessions(deps: DomainDeps, app: AppRecord, session: Session): Promise<AuthTokenRecord[]> {
	const page = await deps.store.listAuthTokens(session.token.appId, session.user.uid, {
		limit: MAX_AUTH_TOKENS_PER_USER,
		offset: 0,
	});
	const now = deps.clock.now();
	return page.items.filter((token) => {
		const expiresAt = tokenExpiresAt(app, token);
		return expiresAt === null || now < expiresAt;
	});
}

/**
 * Ends one of the caller's tokens, named by its id (or its full value); the caller's own ends like a logout. A
 * token of another user or another app is ERR_AUTH_TOKEN_NOT_FOUND, exactly as an unknown one.
 *
 * @example
 * const ended = await endOwnSession(deps, session, "lkat_…");
 */
export async function endOwnSession(deps: DomainDeps, session: Session, reference: string): Promise<AuthTokenRecord> {
	const { appId } = session.token;
	const token = await findTokenOfUser(deps, appId, session.user.uid, reference);
	if (!token) throw authTokenNotFoundForUser(session.user.uid);
	// A concurrent ending may win between the lookup and the delete: this caller is told it was not found.
	if (!(await deleteToken(deps, token, "logged_out"))) throw authTokenNotFoundForUser(session.user.uid);
	return token;
}

export const endOwnSessionsSchema = z.object({
	scope: z
		.enum(["others", "all"])
		.meta({ description: "`others`: every token of the caller but the one calling; `all`: that one too." }),
});

/**
 * Ends the caller's other tokens (`{ scope: "others" }`) or all of them (`{ scope: "all" }`, the caller's own
 * included); how many went.
 *
 * @example
 * const ended = await endOwnSessions(deps, session, { scope: "others" });
 */
export async function endOwnSessions(deps: DomainDeps, session: Session, input: unknown): Promise<number> {
	// Zod calls a missing enum value "invalid"; the caller forgot a required field and is told so.
	const given = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
	if (given.scope === undefined) {
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			scope: ["The scope field is required."],
		});
	}
	const { scope } = parseInput(endOwnSessionsSchema, input);
	const { appId } = session.token;
	const uid = session.user.uid;
	const selection = scope === "others" ? { uid, exceptId: session.token.id } : { uid };
	return await revokeSelectedTokens(deps, appId, selection, "logged_out");
}
