import { z } from "zod";
import { AUDIT_EVENT_TYPES } from "../../audit/audit-event.ts";
import { createApiKeySchema, rotateApiKeySchema, updateApiKeySchema } from "../../domain/api-keys.ts";
import {
	createAuthTokenSchema,
	revokeAppAuthTokensSchema,
	revokeUserAuthTokensSchema,
	updateAuthTokenSchema,
} from "../../domain/auth-tokens.ts";
import type { ErrorCode } from "../../domain/errors.ts";
import { identityProviderSchema, updateIdentityProviderSchema } from "../../domain/identity-providers.ts";
import { securitySettingsSchema } from "../../domain/security.ts";
import { endOwnSessionsSchema } from "../../domain/sessions.ts";
import { exchangeIdentityTokenSchema } from "../../domain/token-exchange.ts";
import { importUserSchema, MAX_USERS_PER_IMPORT_REQUEST } from "../../domain/user-import.ts";
import {
	createUserSchema,
	deactivateUsersSchema,
	reactivateUsersSchema,
	updateUserSchema,
} from "../../domain/users.ts";
import { ERROR_STATUS } from "../../web/error-status.ts";
import { createWebhookSchema, updateWebhookSchema } from "../../webhooks/webhooks.ts";

/**
 * The schemas the OpenAPI document names under `components.schemas`. Request bodies are the very zod schemas the
 * domain validates with (converted as zod's *input*, so defaults and lower-casing show as the caller sends them);
 * only the answers, which no route validates, are declared here, once, in the shapes `domain/presenters.ts` builds.
 * Strict objects: a test parses real answers with them, so a field added to an answer without its schema fails.
 */

interface SchemaMeta {
	id: string;
	description?: string;
}

const unixSeconds = z.number().int().nonnegative().meta({ description: "Unix seconds." });

const userSchema = z.strictObject({
	uid: z.string(),
	name: z.string(),
	link: z.string().optional(),
	avatar: z.string().optional(),
	metadata: z.record(z.string(), z.unknown()).optional(),
	status: z.enum(["online", "offline"]),
	role: z.string(),
	statusMessage: z.string().optional(),
	createdAt: unixSeconds,
	updatedAt: unixSeconds.optional(),
	tags: z.array(z.string()).optional(),
	lastActiveAt: unixSeconds.optional(),
	deactivatedAt: unixSeconds.optional(),
	isSampleUser: z.literal(true).optional(),
	authToken: z.string().optional().meta({ description: "Only on create with `withAuthToken: true`." }),
});

const authTokenSchema = z.strictObject({
	uid: z.string(),
	authToken: z
		.string()
		.meta({ description: "The full value only in the answer that created it, else `<id>.********`." }),
	id: z.string(),
	createdAt: unixSeconds,
	platform: z.string().optional(),
	userAgent: z.string().optional(),
	deviceId: z.string().optional(),
	appInfo: z.record(z.string(), z.unknown()).optional(),
	lastUsedAt: unixSeconds.optional(),
});

const sessionSchema = z.strictObject({
	id: z.string(),
	authToken: z.string().meta({ description: "Always `<id>.********`." }),
	platform: z.string().optional(),
	userAgent: z.string().optional(),
	deviceId: z.string().optional(),
	appInfo: z.record(z.string(), z.unknown()).optional(),
	ip: z.string().optional().meta({ description: "The client address of the last recorded use." }),
	createdAt: unixSeconds,
	lastUsedAt: unixSeconds.optional(),
	current: z.boolean().meta({ description: "True on the token that made this request." }),
});

const apiKeySchema = z.strictObject({
	apiKey: z.string().meta({ description: "The full value only in the answer that created it, else `<id>.********`." }),
	id: z.string(),
	name: z.string(),
	scope: z.enum(["fullAccess", "authOnly"]),
	createdBy: z.string().optional(),
	createdAt: unixSeconds,
	expiresAt: unixSeconds.nullable().meta({ description: "Refused from this second on; null: never expires." }),
	lastUsedAt: unixSeconds
		.nullable()
		.meta({ description: "The last recorded use (at most once a minute, written behind); null until used." }),
});

const paginationSchema = z.strictObject({
	total: z.number().int().nonnegative(),
	count: z.number().int().nonnegative(),
	per_page: z.number().int().positive(),
	current_page: z.number().int().positive(),
	total_pages: z.number().int().positive(),
});

const settingsSchema = z.strictObject({
	ADMIN_API_HOST: z.string(),
	CLIENT_API_HOST: z.string(),
	CHAT_API_VERSION: z.string(),
	CHAT_HOST: z.string(),
	CHAT_WSS_PORT: z.number().int(),
	WS_API_VERSION: z.string(),
	APP_VERSION: z.number().int(),
	MODE: z.string(),
	ANALYTICS_PING_DISABLED: z.boolean(),
	REGION: z.string(),
	extensions: z.array(z.unknown()),
});

const meSchema = userSchema.extend({
	authToken: z.string().meta({ description: "The token sent in the `authtoken` header." }),
	jwt: z.string().meta({ description: "The realtime JWT (HS256)." }),
	wsChannel: z.strictObject({ identity: z.string() }),
	settings: settingsSchema,
});

const securitySchema = z.strictObject({
	tokenIdleTimeoutSeconds: z.number().int().nullable(),
	tokenMaxLifetimeSeconds: z.number().int().nullable(),
	authKeyLogin: z.enum(["enabled", "disabled", "allowlist"]),
	authKeyUidAllowlist: z.array(z.string()),
	authKeyOriginAllowlist: z.array(z.string()),
	productionMode: z.boolean(),
	tokenStorage: z.enum(["hashed", "retrievable"]),
});

const acknowledgementSchema = z.strictObject({ success: z.literal(true), message: z.string() });

const auditEventSchema = z.strictObject({
	id: z.string(),
	type: z.enum(AUDIT_EVENT_TYPES),
	appId: z.string(),
	actor: z.strictObject({
		kind: z.enum(["apiKey", "user", "operator", "cli", "system"]),
		id: z.string().nullable().meta({ description: "The key id, uid or operator id; null for the CLI and the system." }),
	}),
	subject: z.string().nullable().meta({ description: "The uid, the masked token id or the key id." }),
	ip: z.string().nullable(),
	userAgent: z.string().nullable(),
	details: z.record(z.string(), z.unknown()),
	createdAt: z.number().int().nonnegative().meta({ description: "Unix milliseconds." }),
});

const identityProviderAnswerSchema = z.strictObject({
	id: z.string(),
	issuer: z.string(),
	jwksUri: z.string().optional(),
	jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
	audiences: z.array(z.string()),
	algorithms: z.array(z.string()),
	uidClaim: z.string(),
	nameClaim: z.string().optional(),
	avatarClaim: z.string().optional(),
	clockSkewSeconds: z.number().int(),
	createUsers: z.boolean(),
	uidPrefix: z.string().optional(),
	uidMapping: z.enum(["strict", "sanitize"]),
	createdAt: unixSeconds,
	updatedAt: unixSeconds.optional(),
});

const webhookSchema = z.strictObject({
	id: z.string(),
	url: z.string(),
	events: z.array(z.string()).meta({ description: 'Event types, or `["*"]` for all of them.' }),
	description: z.string().nullable(),
	secret: z
		.string()
		.optional()
		.meta({ description: "The signing secret (`whsec_…`), only in the answer that created the webhook." }),
	createdAt: unixSeconds,
	updatedAt: unixSeconds.optional(),
});

const webhookDeliverySchema = z.strictObject({
	id: z.string().meta({ description: "Sent as `Latchkey-Webhook-Id`; the same on every attempt." }),
	eventId: z.string().nullable(),
	eventType: z.string(),
	status: z.enum(["pending", "delivered", "failed"]),
	attempts: z.number().int().nonnegative(),
	lastResponseCode: z.number().int().nullable().meta({ description: "Null before any answer, or on a timeout." }),
	lastAttemptAt: unixSeconds.nullable(),
	nextAttemptAt: unixSeconds.nullable().meta({ description: "The next retry; null once delivered or failed." }),
	createdAt: unixSeconds,
});

const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

const errorSchema = z.strictObject({
	error: z.strictObject({
		code: z.enum(ERROR_CODES),
		message: z.string(),
		devMessage: z.string(),
		source: z.literal("chat-api"),
		details: z.record(z.string(), z.unknown()),
	}),
});

function answerOf<T extends z.ZodType>(data: T) {
	return z.strictObject({ data });
}

function listOf<T extends z.ZodType>(item: T) {
	return z.strictObject({ data: z.array(item), meta: z.strictObject({ pagination: paginationSchema }) });
}

/** Answers, by the id the document names them with. */
export const RESPONSE_SCHEMAS = {
	User: userSchema,
	AuthToken: authTokenSchema,
	ApiKey: apiKeySchema,
	Pagination: paginationSchema,
	Settings: settingsSchema,
	Me: meSchema,
	Acknowledgement: acknowledgementSchema,
	ErrorAnswer: errorSchema,
	UserAnswer: answerOf(userSchema),
	UserList: listOf(userSchema),
	DeactivatedUsersAnswer: answerOf(z.strictObject({ deactivatedUids: z.array(z.string()) })),
	ReactivatedUsersAnswer: answerOf(z.strictObject({ nonDeactivatedUids: z.array(z.string()) })),
	AuthTokenAnswer: answerOf(authTokenSchema),
	AuthTokenList: listOf(authTokenSchema),
	RevokedAnswer: answerOf(z.strictObject({ revoked: z.number().int().nonnegative() })),
	Session: sessionSchema,
	SessionList: answerOf(z.array(sessionSchema)),
	ApiKeyAnswer: answerOf(apiKeySchema),
	ApiKeyList: listOf(apiKeySchema),
	MeAnswer: answerOf(meSchema),
	SettingsAnswer: answerOf(settingsSchema),
	AcknowledgementAnswer: answerOf(acknowledgementSchema),
	UserSessionAnswer: answerOf(z.strictObject({ sessionId: z.string().max(200) })),
	SecuritySettingsAnswer: answerOf(securitySchema),
	HealthAnswer: answerOf(z.strictObject({ status: z.literal("ok") })),
	AuditEvent: auditEventSchema,
	AuditEventList: z.strictObject({
		data: z.array(auditEventSchema),
		meta: z.strictObject({ cursor: z.strictObject({ next: z.string().nullable() }) }),
	}),
	IdentityProvider: identityProviderAnswerSchema,
	IdentityProviderAnswer: answerOf(identityProviderAnswerSchema),
	IdentityProviderList: listOf(identityProviderAnswerSchema),
	Webhook: webhookSchema,
	WebhookAnswer: answerOf(webhookSchema),
	WebhookList: listOf(webhookSchema),
	WebhookDelivery: webhookDeliverySchema,
	WebhookDeliveryList: listOf(webhookDeliverySchema),
	OpenAPIDocument: z.record(z.string(), z.unknown()).meta({ description: "This document." }),
	ImportUsersAnswer: answerOf(
		z
			.record(
				z.string(),
				z.union([
					z.strictObject({ success: z.literal(true), data: userSchema }),
					z.strictObject({ success: z.literal(false), error: errorSchema.shape.error }),
				]),
			)
			.meta({ description: "One result per key of the request." }),
	),
} as const;

export type ResponseSchemaId = keyof typeof RESPONSE_SCHEMAS;

/**
 * Request bodies, by id. The domain's own schemas; the two routes that read one field by hand (`permanent`,
 * `sessionId`) get a schema here that describes what they read, since nothing validates those bodies.
 */
export const REQUEST_SCHEMAS = {
	CreateUserBody: createUserSchema,
	UpdateUserBody: updateUserSchema,
	DeleteUserBody: z.object({
		permanent: z
			.boolean()
			.optional()
			.meta({ description: "`true` deletes the user and every token; anything else deactivates." }),
	}),
	DeactivateUsersBody: deactivateUsersSchema,
	ReactivateUsersBody: reactivateUsersSchema,
	CreateAuthTokenBody: createAuthTokenSchema,
	UpdateAuthTokenBody: updateAuthTokenSchema,
	RevokeUserAuthTokensBody: revokeUserAuthTokensSchema,
	RevokeAppAuthTokensBody: revokeAppAuthTokensSchema,
	EndSessionsBody: endOwnSessionsSchema,
	CreateApiKeyBody: createApiKeySchema,
	UpdateApiKeyBody: updateApiKeySchema,
	RotateApiKeyBody: rotateApiKeySchema,
	// PUT /me: a body with any profile field is a profile update (role ignored), any other body a login.
	UpdateMeBody: z.union([updateUserSchema.omit({ role: true }), createAuthTokenSchema]),
	UpdateSecurityBody: securitySettingsSchema,
	CreateIdentityProviderBody: identityProviderSchema,
	UpdateIdentityProviderBody: updateIdentityProviderSchema,
	ExchangeIdentityTokenBody: exchangeIdentityTokenSchema,
	ImportUsersBody: z.object({
		users: z.record(z.string(), importUserSchema.partial({ uid: true })).meta({
			description: `At most ${MAX_USERS_PER_IMPORT_REQUEST} users, each under its uid; \`uid\` in the value may be left out.`,
		}),
	}),
	CreateWebhookBody: createWebhookSchema,
	UpdateWebhookBody: updateWebhookSchema,
	UserSessionBody: z.object({
		sessionId: z.string().optional().meta({ description: "Echoed back, cut to 200 characters; not stored." }),
	}),
} as const;

export type RequestSchemaId = keyof typeof REQUEST_SCHEMAS;

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) for every component, with `$ref`s between them. */
export function buildComponentSchemas(): Record<string, Record<string, unknown>> {
	const uri = (id: string): string => `#/components/schemas/${id}`;
	const requests = z.registry<SchemaMeta>();
	for (const [id, schema] of Object.entries(REQUEST_SCHEMAS)) requests.add(schema, { id });
	const responses = z.registry<SchemaMeta>();
	for (const [id, schema] of Object.entries(RESPONSE_SCHEMAS)) responses.add(schema, { id });
	const converted = {
		...z.toJSONSchema(requests, { io: "input", uri }).schemas,
		...z.toJSONSchema(responses, { io: "output", uri }).schemas,
	};
	const schemas: Record<string, Record<string, unknown>> = {};
	for (const [id, schema] of Object.entries(converted)) {
		// Each component is a subschema of the document: `$schema` belongs to the document (`jsonSchemaDialect`), and
		// zod's fragment `$id`s are not valid 2020-12 identifiers.
		const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
		schemas[id] = rest;
	}
	return schemas;
}
