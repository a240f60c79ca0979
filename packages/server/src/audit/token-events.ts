import type { DomainDeps } from "../domain/deps.ts";
import { maskCredential } from "../domain/secrets.ts";
import type { AuditInput, LoginMethod, TokenRevocationReason } from "./audit-event.ts";

// The audit events the token rules record (issue 16). A token is named by its masked id (`lkat_….********`), never
// by its value; `details.uid` feeds the log's uid filter.

/** `token.revoked` for each token, with why; one write for all of them. */
export async function recordTokenRevocations(
	deps: DomainDeps,
	appId: string,
	tokenIds: readonly string[],
	reason: TokenRevocationReason,
	options: { uid?: string } = {},
): Promise<void> {
	if (!deps.audit || tokenIds.length === 0) return;
	await deps.audit.recordAll(
		tokenIds.map((id) => ({
			type: "token.revoked",
			appId,
			subject: maskCredential(id),
			details: { ...(options.uid !== undefined && { uid: options.uid }), reason },
		})),
	);
}

/** `token.created` for a new token. */
export function tokenCreated(appId: string, uid: string, tokenId: string, platform: string | null): AuditInput {
	return {
		type: "token.created",
		appId,
		subject: maskCredential(tokenId),
		details: { uid, ...(platform !== null && { platform }) },
	};
}

/** `login.succeeded`: the user is the subject, the token it got (or presented) is named masked. */
export function loginSucceeded(appId: string, uid: string, tokenId: string, method: LoginMethod): AuditInput {
	return { type: "login.succeeded", appId, subject: uid, details: { uid, method, tokenId: maskCredential(tokenId) } };
}

/** `login.failed` with the CometChat error code the client got; the uid when the request named one. */
export function loginFailed(appId: string, uid: string | null, method: LoginMethod, code: string): AuditInput {
	return { type: "login.failed", appId, subject: uid, details: { ...(uid !== null && { uid }), method, code } };
}
