/**
 * What every failed SDK call rejects with: CometChat's exception shape (a plain object, not an `Error`),
 * plus the HTTP status and the server's Retry-After hint.
 */
export interface CometChatException {
	/** The server's code (`ERR_UID_NOT_FOUND`, `AUTH_ERR_AUTH_TOKEN_NOT_FOUND` …) or an SDK code (`FAILED_TO_FETCH` …). */
	code: string;
	name: string;
	message: string;
	details: Record<string, unknown>;
	/** The HTTP status of the answer; 0 when no answer arrived (network failure, timeout, local check). */
	status: number;
	/** From the `Retry-After` header, in milliseconds; null when the server sent none. */
	retryAfterMs: number | null;
}

/** Codes the SDK itself produces; server codes pass through unchanged. */
export const SDK_ERROR = {
	INITIALIZATION_NOT_DONE: "COMETCHAT_INITIALIZATION_NOT_DONE",
	LOGIN_IN_PROGRESS: "LOGIN_IN_PROGRESS",
	MISSING_PARAMETERS: "MISSING_PARAMETERS",
	USER_NOT_LOGGED_IN: "USER_NOT_LOGED_IN",
	INVALID_AUTH_KEY: "INVALID_AUTH_KEY",
	UID_IS_COMPULSORY: "UID_IS_COMPULSORY",
	USER_NAME_IS_COMPULSORY: "USER_NAME_IS_COMPULSORY",
	FAILED_TO_FETCH: "FAILED_TO_FETCH",
	REQUEST_TIMEOUT: "REQUEST_TIMEOUT",
	STORAGE_ERROR: "STORAGE_ERROR",
} as const;

/**
 * Builds a CometChatException. `name` defaults to `code`, as the server sends no name.
 *
 * @example
 * throw createException("USER_NOT_LOGED_IN", "Please log in first.");
 */
export function createException(
	code: string,
	message: string,
	options: { name?: string; details?: Record<string, unknown>; status?: number; retryAfterMs?: number | null } = {},
): CometChatException {
	return {
		code,
		name: options.name ?? code,
		message,
		details: options.details ?? {},
		status: options.status ?? 0,
		retryAfterMs: options.retryAfterMs ?? null,
	};
}

/**
 * True for anything shaped like a CometChatException, so callers can tell SDK rejections from bugs.
 *
 * @example
 * try { await CometChat.login("alice", authKey); } catch (e) { if (isCometChatException(e)) show(e.code); }
 */
export function isCometChatException(value: unknown): value is CometChatException {
	if (typeof value !== "object" || value === null) return false;
	const candidate = value as Record<string, unknown>;
	return typeof candidate.code === "string" && typeof candidate.message === "string" && "retryAfterMs" in candidate;
}
