import { createRequire } from "node:module";
import type { ErrorCode } from "../../domain/errors.ts";
import { ERROR_STATUS } from "../../web/error-status.ts";
import { MAX_BODY_BYTES } from "../app.ts";
import { OPERATIONS, type Operation, type OperationAuth } from "./operations.ts";
import { buildComponentSchemas } from "./schemas.ts";

/**
 * Codes every `/v3` route can answer before its own work: the app is resolved first, then the request is counted
 * against the app's budget (and a credential against its own) (http/middleware/rate-limit.ts).
 */
const APP_ERRORS: readonly ErrorCode[] = ["AUTH_ERR_EMPTY_APPID", "AUTH_ERR_INVALID_APPID", "ERR_TOO_MANY_REQUESTS"];

/** Codes of each credential check (http/middleware/auth.ts). */
const AUTH_ERRORS: Readonly<Record<OperationAuth, readonly ErrorCode[]>> = {
	none: [],
	fullAccess: ["AUTH_ERR_EMPTY_APIKEY", "AUTH_ERR_APIKEY_NOT_FOUND", "AUTH_ERR_NO_ACCESS"],
	authOrFull: ["AUTH_ERR_EMPTY_APIKEY", "AUTH_ERR_APIKEY_NOT_FOUND"],
	session: ["AUTH_ERR_EMPTY_AUTH_TOKEN", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"],
	fullAccessOrSession: [
		"AUTH_ERR_EMPTY_APIKEY",
		"AUTH_ERR_APIKEY_NOT_FOUND",
		"AUTH_ERR_NO_ACCESS",
		"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
	],
};

/** `appid` may be left out when the host's first label names the app, hence the second requirement of each pair. */
const SECURITY: Readonly<Record<OperationAuth, Array<Record<string, string[]>>>> = {
	none: [],
	fullAccess: [{ appId: [], apiKey: [] }, { apiKey: [] }],
	authOrFull: [{ appId: [], apiKey: [] }, { apiKey: [] }],
	session: [{ appId: [], authToken: [] }, { authToken: [] }],
	fullAccessOrSession: [{ appId: [], apiKey: [] }, { apiKey: [] }, { appId: [], authToken: [] }, { authToken: [] }],
};

const PATH_PARAMETERS: Readonly<Record<string, { description: string; schema: Record<string, unknown> }>> = {
	uid: {
		description: "The user's uid, matched case-insensitively. A uid that cannot exist is `ERR_UID_NOT_FOUND`.",
		schema: { type: "string" },
	},
	authToken: { description: "The token's id (`lkat_…`) or its full value.", schema: { type: "string" } },
	apiKey: { description: "The key's id (`lkak_…`) or its full value.", schema: { type: "string" } },
	id: { description: "One of the caller's tokens: its id (`lkat_…`) or its full value.", schema: { type: "string" } },
	webhookId: { description: "The webhook's id (`wh_…`).", schema: { type: "string" } },
};

/** Every code the operation can answer: the app, the body limit, the credential, its own, and the last resort. */
export function listOperationErrors(operation: Operation): ErrorCode[] {
	const codes = new Set<ErrorCode>([
		...(operation.needsApp ? APP_ERRORS : []),
		// The body limit runs for every POST, PUT and DELETE, before anything else (http/app.ts).
		...(operation.method === "get" ? [] : (["ERR_PAYLOAD_TOO_LARGE"] as const)),
		...AUTH_ERRORS[operation.auth],
		...operation.errors,
		"ERR_INTERNAL",
	]);
	return [...codes];
}

function errorResponses(codes: readonly ErrorCode[]): Record<string, unknown> {
	const byStatus = new Map<number, ErrorCode[]>();
	for (const code of codes) {
		const status = ERROR_STATUS[code];
		byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
	}
	const responses: Record<string, unknown> = {};
	for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
		responses[String(status)] = {
			description: statusCodes.map((code) => `\`${code}\``).join(", "),
			content: {
				"application/json": {
					schema: {
						allOf: [
							{ $ref: "#/components/schemas/ErrorAnswer" },
							{ properties: { error: { properties: { code: { enum: statusCodes } } } } },
						],
					},
				},
			},
		};
	}
	return responses;
}

function buildOperation(operation: Operation): Record<string, unknown> {
	const pathNames = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
	const parameters = [
		...pathNames.map((name) => {
			const known = PATH_PARAMETERS[name];
			if (!known) throw new Error(`OpenAPI: no description of the path parameter ${name}`);
			return { name, in: "path", required: true, ...known };
		}),
		...(operation.query ?? []).map((query) => ({ in: "query", required: false, ...query })),
	];
	return {
		operationId: operation.operationId,
		tags: [operation.tag],
		summary: operation.summary,
		...(operation.description !== undefined && { description: operation.description }),
		...(operation.atRoot && { servers: [{ url: "/", description: "Outside the versioned API." }] }),
		security: SECURITY[operation.auth],
		...(parameters.length > 0 && { parameters }),
		...(operation.body && {
			requestBody: {
				required: operation.body.required,
				content: { "application/json": { schema: { $ref: `#/components/schemas/${operation.body.schema}` } } },
			},
		}),
		responses: {
			"200": {
				description: "Success.",
				content: { "application/json": { schema: { $ref: `#/components/schemas/${operation.response}` } } },
			},
			...errorResponses(listOperationErrors(operation)),
		},
	};
}

// A function, not a constant: app.ts imports this module, so MAX_BODY_BYTES is read only once both are loaded.
function describeAPI(): string {
	return `Latchkey answers CometChat's REST API v3 for the authentication surface. Every path is served under \`/v3\` and \`/v3.0\`.

- **Credentials.** \`appid\` names the app (or the first label of the host does); REST routes take an \`apikey\`, client routes an \`authtoken\`.
- **Envelopes.** Success is \`{"data": …}\` (lists add \`meta.pagination\`), always HTTP 200; errors are \`{"error": {"code", "message", "devMessage", "source", "details"}}\`.
- **Bodies.** JSON objects of at most ${MAX_BODY_BYTES} bytes; unknown fields are ignored; strings may not contain NUL.
- **Ignored headers.** The SDK also sends \`resource\`, \`sdk\`, \`onBehalfOf\`, \`chatApiVersion\`, \`settingsHash\`, \`settingsHashReceivedAt\`; no route reads them.
- A known path with another method answers \`405 ERR_METHOD_NOT_ALLOWED\`; an unknown path \`404 ERR_API_NOT_FOUND\`.

See docs/api.md and docs/errors.md in the repository for the whole contract.`;
}

function readServerVersion(): string {
	// src/http/openapi/ and dist/http/openapi/ are both three levels below the package.
	const manifest = createRequire(import.meta.url)("../../../package.json") as { version: string };
	return manifest.version;
}

/** The OpenAPI 3.1 document of the API, built from OPERATIONS and the zod schemas. */
export function buildOpenAPIDocument(): Record<string, unknown> {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const operation of OPERATIONS) {
		const item = paths[operation.path] ?? {};
		item[operation.method] = buildOperation(operation);
		paths[operation.path] = item;
	}
	return {
		openapi: "3.1.1",
		jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
		info: {
			title: "Latchkey HTTP API",
			version: readServerVersion(),
			description: describeAPI(),
		},
		servers: [
			{ url: "/v3", description: "CometChat's REST documentation's version segment." },
			{ url: "/v3.0", description: "What the official SDK sends; the same API." },
		],
		tags: [
			{ name: "Users" },
			{ name: "Auth tokens" },
			{ name: "API keys" },
			{ name: "Security", description: "Per-app session controls (docs/security.md)." },
			{ name: "Audit log", description: "Who did what to the app's users, tokens and keys (docs/api.md)." },
			{
				name: "Identity providers",
				description: "Sign-in with the JWTs of the app's own identity provider (docs/identity-providers.md).",
			},
			{
				name: "Webhooks",
				description: "Signed deliveries of the audit log's events to the app's backend (docs/webhooks.md).",
			},
			{ name: "Client", description: "The routes the official SDK calls with a user's auth token." },
			{ name: "Service" },
		],
		paths,
		components: {
			schemas: buildComponentSchemas(),
			securitySchemes: {
				appId: {
					type: "apiKey",
					in: "header",
					name: "appid",
					description: "The app id (not a secret). May be left out when the host's first label names the app.",
				},
				apiKey: {
					type: "apiKey",
					in: "header",
					name: "apikey",
					description: "An API key of the app: `fullAccess` (REST API Key) or `authOnly` (Auth Key).",
				},
				authToken: {
					type: "apiKey",
					in: "header",
					name: "authtoken",
					description: "A user's auth token.",
				},
			},
		},
	};
}
