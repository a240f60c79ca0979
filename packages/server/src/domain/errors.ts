/** Every error code Latchkey answers with. CometChat's own codes wherever CometChat has one. */
export type ErrorCode =
	| "AUTH_ERR_EMPTY_APPID"
	| "AUTH_ERR_INVALID_APPID"
	| "AUTH_ERR_EMPTY_APIKEY"
	| "AUTH_ERR_APIKEY_NOT_FOUND"
	| "AUTH_ERR_NO_ACCESS"
	| "AUTH_ERR_EMPTY_AUTH_TOKEN"
	| "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
	| "AUTH_ERR_INVALID_METRICS_TOKEN"
	| "AUTH_ERR_EMPTY_AUTH_HEADER"
	| "AUTH_ERR_INVALID_IDENTITY_TOKEN"
	| "ERR_APP_NOT_FOUND"
	| "ERR_APIKEY_NOT_FOUND"
	| "ERR_APIKEY_NO_SELF_ACTION"
	| "ERR_PLAN_QUOTA_RESTRICTION"
	| "ERR_AUTH_TOKEN_NOT_FOUND"
	| "ERR_UID_NOT_FOUND"
	| "ERR_UID_ALREADY_EXISTS"
	| "ERR_IDENTITY_PROVIDER_NOT_FOUND"
	| "ERR_BAD_REQUEST"
	| "ERR_PAYLOAD_TOO_LARGE"
	| "ERR_API_NOT_FOUND"
	| "ERR_METHOD_NOT_ALLOWED"
	| "ERR_TOO_MANY_REQUESTS"
	| "ERR_INTERNAL";

/**
 * The one error class of the domain. `message` is shown to API callers, so it never holds a secret.
 *
 * @example
 * throw new LatchkeyError("ERR_UID_NOT_FOUND", "The UID nobody does not exist.");
 */
export class LatchkeyError extends Error {
	constructor(
		readonly code: ErrorCode,
		message: string,
		readonly details: Record<string, unknown> = {},
	) {
		super(message);
		this.name = "LatchkeyError";
	}
}

/** The CometChat wording for an unknown or deactivated uid. */
export function uidNotFound(uid: string): LatchkeyError {
	return new LatchkeyError(
		"ERR_UID_NOT_FOUND",
		`The UID ${uid} does not exist, please make sure you have created a user with UID ${uid}.`,
	);
}

/** The CometChat wording for an unknown auth token; the token itself is never echoed. */
export function authTokenNotFound(): LatchkeyError {
	return new LatchkeyError(
		"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
		"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.",
	);
}
