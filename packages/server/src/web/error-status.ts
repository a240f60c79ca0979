import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCode } from "../domain/errors.ts";

/**
 * The one code → HTTP status table, for the API's error envelope and the dashboard's error pages alike.
 * docs/errors.md lists the same rows; a test keeps them equal.
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
	AUTH_ERR_EMPTY_APPID: 401,
	AUTH_ERR_INVALID_APPID: 401,
	AUTH_ERR_EMPTY_APIKEY: 401,
	AUTH_ERR_APIKEY_NOT_FOUND: 401,
	AUTH_ERR_NO_ACCESS: 403,
	AUTH_ERR_EMPTY_AUTH_TOKEN: 401,
	AUTH_ERR_AUTH_TOKEN_NOT_FOUND: 401,
	AUTH_ERR_INVALID_METRICS_TOKEN: 401,
	AUTH_ERR_EMPTY_AUTH_HEADER: 401,
	ERR_APP_NOT_FOUND: 404,
	ERR_APIKEY_NOT_FOUND: 404,
	ERR_APIKEY_NO_SELF_ACTION: 403,
	ERR_PLAN_QUOTA_RESTRICTION: 403,
	ERR_AUTH_TOKEN_NOT_FOUND: 404,
	ERR_UID_NOT_FOUND: 404,
	ERR_UID_ALREADY_EXISTS: 400,
	ERR_BAD_REQUEST: 400,
	ERR_PAYLOAD_TOO_LARGE: 413,
	ERR_API_NOT_FOUND: 404,
	ERR_METHOD_NOT_ALLOWED: 405,
	ERR_TOO_MANY_REQUESTS: 429,
	ERR_INTERNAL: 500,
};
