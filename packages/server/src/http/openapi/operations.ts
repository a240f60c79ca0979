import type { ErrorCode } from "../../domain/errors.ts";
import { MAX_LIST_PARAM_ITEMS } from "../query.ts";
import { MAX_API_KEYS_PER_PAGE } from "../routes/api-keys.ts";
import { MAX_AUTH_TOKENS_PER_PAGE } from "../routes/auth-tokens.ts";
import { MAX_USERS_PER_PAGE } from "../routes/users.ts";
import type { RequestSchemaId, ResponseSchemaId } from "./schemas.ts";

/**
 * Every route the API serves, as the OpenAPI document describes it: one row per method and path. The credential a
 * route checks (`auth`) decides its security and its credential error codes (document.ts); `errors` lists only the
 * codes the route's own work can answer. Query parameters are read by hand in the routes (http/query.ts), so they
 * are listed here, beside the limits the routes export.
 */

/** Which guard runs before the handler: none, an `apikey` of either scope or only `fullAccess`, an `authtoken`. */
export type OperationAuth = "none" | "fullAccess" | "authOrFull" | "session" | "fullAccessOrSession";

export interface QueryParameter {
	name: string;
	description: string;
	schema: Record<string, unknown>;
}

export interface Operation {
	method: "get" | "post" | "put" | "delete";
	/** CometChat's `{param}` style, below the `/v3` (or `/v3.0`) server. */
	path: string;
	operationId: string;
	tag: "Users" | "Auth tokens" | "API keys" | "Security" | "Client" | "Service";
	summary: string;
	description?: string;
	auth: OperationAuth;
	/** False for the routes answered before the app is resolved (no `appid` needed). */
	needsApp: boolean;
	/** Served at the root (`/healthz`), outside the versioned API. */
	atRoot?: boolean;
	query?: QueryParameter[];
	body?: { schema: RequestSchemaId; required: boolean };
	response: ResponseSchemaId;
	errors: ErrorCode[];
}

function pageParameters(maxPerPage: number): QueryParameter[] {
	const perPage = { type: "integer", minimum: 1, maximum: maxPerPage, default: 100 };
	return [
		{ name: "perPage", description: "Items per page.", schema: perPage },
		{ name: "per_page", description: "The SDK's spelling of `perPage`.", schema: perPage },
		{ name: "page", description: "Page number, from 1.", schema: { type: "integer", minimum: 1, default: 1 } },
	];
}

const LIST_ITEMS = {
	type: "string",
	description: `Comma-separated, or repeated (also as \`name[]\`); at most ${MAX_LIST_PARAM_ITEMS} items.`,
};
const FLAG = { type: "string", enum: ["true", "1", "false", "0"] };

const USER_QUERY: QueryParameter[] = [
	...pageParameters(MAX_USERS_PER_PAGE),
	{
		name: "searchKey",
		description: "Case-insensitive prefix of uid or name.",
		schema: { type: "string" },
	},
	{ name: "searchIn", description: "`uid`, `name` or both; default both.", schema: LIST_ITEMS },
	{ name: "role", description: "Only this role.", schema: { type: "string" } },
	{ name: "roles", description: "Only these roles.", schema: LIST_ITEMS },
	{ name: "tags", description: "Only users having every listed tag.", schema: LIST_ITEMS },
	{ name: "withTags", description: "Include `tags`.", schema: FLAG },
	{ name: "withDeactivated", description: "Include deactivated users.", schema: FLAG },
	{ name: "onlyDeactivated", description: "Only deactivated users.", schema: FLAG },
	{
		name: "status",
		description: "`available` finds nobody (REST users are offline); other values are no filter.",
		schema: { type: "string" },
	},
];

const API_KEY_QUERY: QueryParameter[] = [
	...pageParameters(MAX_API_KEYS_PER_PAGE),
	{
		name: "scope",
		description: "Only keys of this scope.",
		schema: { type: "string", enum: ["fullAccess", "authOnly"] },
	},
	{ name: "searchKey", description: "Case-insensitive substring of the name.", schema: { type: "string" } },
];

export const OPERATIONS: readonly Operation[] = [
	{
		method: "get",
		path: "/healthz",
		operationId: "getHealth",
		tag: "Service",
		summary: "Liveness, for load balancers",
		auth: "none",
		needsApp: false,
		atRoot: true,
		response: "HealthAnswer",
		errors: [],
	},
	{
		method: "get",
		path: "/openapi.json",
		operationId: "getOpenAPIDocument",
		tag: "Service",
		summary: "This OpenAPI 3.1 document",
		description: "A readable page of it is served at `/v3/docs`.",
		auth: "none",
		needsApp: false,
		response: "OpenAPIDocument",
		errors: [],
	},
	{
		method: "post",
		path: "/users",
		operationId: "createUser",
		tag: "Users",
		summary: "Create a user",
		description: "With `withAuthToken: true` the answer carries a new auth token (and `Cache-Control: no-store`).",
		auth: "authOrFull",
		needsApp: true,
		body: { schema: "CreateUserBody", required: true },
		response: "UserAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_UID_ALREADY_EXISTS", "ERR_PLAN_QUOTA_RESTRICTION"],
	},
	{
		method: "get",
		path: "/users",
		operationId: "listUsers",
		tag: "Users",
		summary: "List users",
		description:
			"Ordered by uid. With an auth token instead of an API key (the SDK's UsersRequest): active users only, the fields the app shows its clients, at most 100 a page, `status` from live sockets.",
		auth: "fullAccessOrSession",
		needsApp: true,
		query: USER_QUERY,
		response: "UserList",
		errors: ["ERR_BAD_REQUEST"],
	},
	{
		method: "delete",
		path: "/users",
		operationId: "deactivateUsers",
		tag: "Users",
		summary: "Deactivate several users",
		description: "Unknown, repeated and already deactivated uids are skipped; the answer lists those deactivated now.",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "DeactivateUsersBody", required: true },
		response: "DeactivatedUsersAnswer",
		errors: ["ERR_BAD_REQUEST"],
	},
	{
		method: "put",
		path: "/users",
		operationId: "reactivateUsers",
		tag: "Users",
		summary: "Reactivate several users",
		description: "Unknown, active and deleted uids are skipped; the answer lists those reactivated now.",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "ReactivateUsersBody", required: true },
		response: "ReactivatedUsersAnswer",
		errors: ["ERR_BAD_REQUEST"],
	},
	{
		method: "post",
		path: "/data_import/users",
		operationId: "importUsers",
		tag: "Users",
		summary: "Import users",
		description:
			"CometChat's data import: at most 50 users a request, 60 requests a minute per app. Always 200 once the body is well formed: each key answers `success: true` with the user or `success: false` with an error (a taken uid is ERR_UID_ALREADY_EXISTS).",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "ImportUsersBody", required: true },
		response: "ImportUsersAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_TOO_MANY_REQUESTS"],
	},
	{
		method: "get",
		path: "/users/{uid}",
		operationId: "getUser",
		tag: "Users",
		summary: "Get a user",
		auth: "fullAccessOrSession",
		needsApp: true,
		response: "UserAnswer",
		errors: ["ERR_UID_NOT_FOUND"],
	},
	{
		method: "put",
		path: "/users/{uid}",
		operationId: "updateUser",
		tag: "Users",
		summary: "Update a user",
		description: "The body is validated before the user is looked up.",
		auth: "authOrFull",
		needsApp: true,
		body: { schema: "UpdateUserBody", required: true },
		response: "UserAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_UID_NOT_FOUND"],
	},
	{
		method: "delete",
		path: "/users/{uid}",
		operationId: "deleteUser",
		tag: "Users",
		summary: "Deactivate a user, or delete it permanently",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "DeleteUserBody", required: false },
		response: "AcknowledgementAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_UID_NOT_FOUND"],
	},
	{
		method: "post",
		path: "/users/{uid}/auth_tokens",
		operationId: "createAuthToken",
		tag: "Auth tokens",
		summary: "Mint an auth token",
		description: "The answer carries the full token once (and `Cache-Control: no-store`).",
		auth: "authOrFull",
		needsApp: true,
		body: { schema: "CreateAuthTokenBody", required: false },
		response: "AuthTokenAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_UID_NOT_FOUND", "ERR_PLAN_QUOTA_RESTRICTION"],
	},
	{
		method: "get",
		path: "/users/{uid}/auth_tokens",
		operationId: "listAuthTokens",
		tag: "Auth tokens",
		summary: "List a user's auth tokens",
		description: "Newest first; values masked.",
		auth: "fullAccess",
		needsApp: true,
		query: pageParameters(MAX_AUTH_TOKENS_PER_PAGE),
		response: "AuthTokenList",
		errors: ["ERR_BAD_REQUEST", "ERR_UID_NOT_FOUND"],
	},
	{
		method: "delete",
		path: "/users/{uid}/auth_tokens",
		operationId: "flushAuthTokens",
		tag: "Auth tokens",
		summary: "Delete every auth token of a user",
		auth: "fullAccess",
		needsApp: true,
		response: "AcknowledgementAnswer",
		errors: ["ERR_UID_NOT_FOUND"],
	},
	{
		method: "post",
		path: "/users/{uid}/auth_tokens/revoke",
		operationId: "revokeUserAuthTokens",
		tag: "Auth tokens",
		summary: "Revoke a user's tokens issued before a time, or all but one",
		description:
			"Latchkey's own. Exactly one of `issuedBefore` (unix seconds; tokens created before that second go) and `except` (a token of this user that stays; every other goes).",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "RevokeUserAuthTokensBody", required: true },
		response: "RevokedAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_UID_NOT_FOUND", "ERR_AUTH_TOKEN_NOT_FOUND"],
	},
	{
		method: "post",
		path: "/auth_tokens/revoke",
		operationId: "revokeAppAuthTokens",
		tag: "Auth tokens",
		summary: "Revoke every token of the app issued before a time",
		description:
			"Latchkey's own. Tokens of every user created before `issuedBefore` (unix seconds) go; newer ones stay.",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "RevokeAppAuthTokensBody", required: true },
		response: "RevokedAnswer",
		errors: ["ERR_BAD_REQUEST"],
	},
	{
		method: "get",
		path: "/users/{uid}/auth_tokens/{authToken}",
		operationId: "getAuthToken",
		tag: "Auth tokens",
		summary: "Get an auth token",
		auth: "fullAccess",
		needsApp: true,
		response: "AuthTokenAnswer",
		errors: ["ERR_UID_NOT_FOUND", "ERR_AUTH_TOKEN_NOT_FOUND"],
	},
	{
		method: "put",
		path: "/users/{uid}/auth_tokens/{authToken}",
		operationId: "updateAuthToken",
		tag: "Auth tokens",
		summary: "Update an auth token's device facts",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "UpdateAuthTokenBody", required: true },
		response: "AuthTokenAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_UID_NOT_FOUND", "ERR_AUTH_TOKEN_NOT_FOUND"],
	},
	{
		method: "delete",
		path: "/users/{uid}/auth_tokens/{authToken}",
		operationId: "deleteAuthToken",
		tag: "Auth tokens",
		summary: "Delete an auth token",
		auth: "fullAccess",
		needsApp: true,
		response: "AcknowledgementAnswer",
		errors: ["ERR_UID_NOT_FOUND", "ERR_AUTH_TOKEN_NOT_FOUND"],
	},
	{
		method: "post",
		path: "/apikeys",
		operationId: "createApiKey",
		tag: "API keys",
		summary: "Create an API key",
		description: "The answer carries the full key once (and `Cache-Control: no-store`). At most 25 keys per app.",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "CreateApiKeyBody", required: true },
		response: "ApiKeyAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_PLAN_QUOTA_RESTRICTION"],
	},
	{
		method: "get",
		path: "/apikeys",
		operationId: "listApiKeys",
		tag: "API keys",
		summary: "List API keys",
		description: "Oldest first; values masked.",
		auth: "fullAccess",
		needsApp: true,
		query: API_KEY_QUERY,
		response: "ApiKeyList",
		errors: ["ERR_BAD_REQUEST"],
	},
	{
		method: "get",
		path: "/apikeys/{apiKey}",
		operationId: "getApiKey",
		tag: "API keys",
		summary: "Get an API key",
		auth: "fullAccess",
		needsApp: true,
		response: "ApiKeyAnswer",
		errors: ["ERR_APIKEY_NOT_FOUND"],
	},
	{
		method: "put",
		path: "/apikeys/{apiKey}",
		operationId: "updateApiKey",
		tag: "API keys",
		summary: "Rename an API key or change its scope",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "UpdateApiKeyBody", required: true },
		response: "ApiKeyAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_APIKEY_NOT_FOUND", "ERR_APIKEY_NO_SELF_ACTION"],
	},
	{
		method: "delete",
		path: "/apikeys/{apiKey}",
		operationId: "deleteApiKey",
		tag: "API keys",
		summary: "Delete an API key",
		auth: "fullAccess",
		needsApp: true,
		response: "AcknowledgementAnswer",
		errors: ["ERR_APIKEY_NOT_FOUND", "ERR_APIKEY_NO_SELF_ACTION"],
	},
	{
		method: "post",
		path: "/apikeys/{apiKey}/rotate",
		operationId: "rotateApiKey",
		tag: "API keys",
		summary: "Rotate an API key",
		description:
			"Latchkey's own. Answers a new key with the same name and scope (its full value once, with `Cache-Control: no-store`); the old key keeps working for `overlapSeconds`, then is refused with `AUTH_ERR_APIKEY_NOT_FOUND` (`details.reason: expired`). A key may rotate itself. The new key counts against the 25-key cap.",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "RotateApiKeyBody", required: true },
		response: "ApiKeyAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_APIKEY_NOT_FOUND", "ERR_PLAN_QUOTA_RESTRICTION"],
	},
	{
		method: "get",
		path: "/security",
		operationId: "getSecuritySettings",
		tag: "Security",
		summary: "The app's security settings",
		description:
			"Token expiry, Auth Key guardrails, production mode and token storage; CometChat's behaviour by default.",
		auth: "fullAccess",
		needsApp: true,
		response: "SecuritySettingsAnswer",
		errors: [],
	},
	{
		method: "put",
		path: "/security",
		operationId: "updateSecuritySettings",
		tag: "Security",
		summary: "Change some of the app's security settings",
		description: "Only the fields sent change; the answer is every setting in force. Unknown fields are 400.",
		auth: "fullAccess",
		needsApp: true,
		body: { schema: "UpdateSecurityBody", required: true },
		response: "SecuritySettingsAnswer",
		errors: ["ERR_BAD_REQUEST"],
	},
	{
		method: "get",
		path: "/me",
		operationId: "getMe",
		tag: "Client",
		summary: "The session's user, token, realtime JWT and settings",
		auth: "session",
		needsApp: true,
		response: "MeAnswer",
		errors: [],
	},
	{
		method: "put",
		path: "/me",
		operationId: "updateMe",
		tag: "Client",
		summary: "Log in (device facts) or update the profile",
		description:
			"A body with any of `name`, `avatar`, `link`, `metadata`, `statusMessage`, `tags`, `unset` is a profile update (`role` ignored); any other body is a login.",
		auth: "session",
		needsApp: true,
		body: { schema: "UpdateMeBody", required: false },
		response: "MeAnswer",
		errors: ["ERR_BAD_REQUEST", "ERR_UID_NOT_FOUND"],
	},
	{
		method: "delete",
		path: "/me",
		operationId: "logout",
		tag: "Client",
		summary: "Log out: delete the calling token",
		auth: "session",
		needsApp: true,
		response: "AcknowledgementAnswer",
		errors: [],
	},
	{
		method: "get",
		path: "/me/sessions",
		operationId: "listMySessions",
		tag: "Client",
		summary: "My devices: the caller's live tokens",
		description:
			"Latchkey's own. Newest first, masked; `current` marks the calling token; `ip` and `lastUsedAt` are of the last recorded use.",
		auth: "session",
		needsApp: true,
		response: "SessionList",
		errors: [],
	},
	{
		method: "delete",
		path: "/me/sessions",
		operationId: "endMySessions",
		tag: "Client",
		summary: "End the caller's other tokens, or all of them",
		description: "Latchkey's own. `scope: others` keeps the calling token; `scope: all` ends it too.",
		auth: "session",
		needsApp: true,
		body: { schema: "EndSessionsBody", required: true },
		response: "RevokedAnswer",
		errors: ["ERR_BAD_REQUEST"],
	},
	{
		method: "delete",
		path: "/me/sessions/{id}",
		operationId: "endMySession",
		tag: "Client",
		summary: "End one of the caller's tokens",
		description: "Latchkey's own. Another user's or another app's token is not found.",
		auth: "session",
		needsApp: true,
		response: "AcknowledgementAnswer",
		errors: ["ERR_AUTH_TOKEN_NOT_FOUND"],
	},
	{
		method: "get",
		path: "/settings",
		operationId: "getSettings",
		tag: "Client",
		summary: "The settings the SDK routes its calls by",
		auth: "session",
		needsApp: true,
		response: "SettingsAnswer",
		errors: [],
	},
	{
		method: "post",
		path: "/user_sessions",
		operationId: "createUserSession",
		tag: "Client",
		summary: "The SDK's login telemetry, acknowledged and not stored",
		description: "Only malformed JSON is refused: an error answer here would crash the SDK.",
		auth: "session",
		needsApp: true,
		body: { schema: "UserSessionBody", required: false },
		response: "UserSessionAnswer",
		errors: ["ERR_BAD_REQUEST"],
	},
];
