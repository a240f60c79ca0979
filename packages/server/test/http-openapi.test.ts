import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApiKeySchema, rotateApiKeySchema, updateApiKeySchema } from "../src/domain/api-keys.ts";
import { createAuthTokenSchema, updateAuthTokenSchema } from "../src/domain/auth-tokens.ts";
import type { ErrorCode } from "../src/domain/errors.ts";
import {
	createUserSchema,
	deactivateUsersSchema,
	reactivateUsersSchema,
	updateUserSchema,
} from "../src/domain/users.ts";
import { listOperationErrors } from "../src/http/openapi/document.ts";
import { OPERATIONS } from "../src/http/openapi/operations.ts";
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from "../src/http/openapi/schemas.ts";
import { ERROR_STATUS } from "../src/web/error-status.ts";
import { createHarness, type Harness } from "./harness.ts";
import { errorBody, expectResponse } from "./helpers.ts";
import { TestIssuer } from "./identity-issuer.ts";

/** Issue 13 item 4: the OpenAPI document at /v3/openapi.json and its reference page at /v3/docs. */

const ERRORS_DOC = fileURLToPath(new URL("../../../docs/errors.md", import.meta.url));
const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const ROUTER_METHODS = new Set(["GET", "POST", "PUT", "DELETE", "PATCH"]);
/** The reference page and its files: served beside the document, not described by it. */
const PAGE_ROUTE = /^\/docs(?:\/|$)/;

type JSONObject = Record<string, unknown>;

function isObject(value: unknown): value is JSONObject {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value a local `$ref` (`#/a/b~1c`) points at, or undefined. */
function resolvePointer(document: unknown, ref: string): unknown {
	if (!ref.startsWith("#/")) return undefined;
	let node: unknown = document;
	for (const raw of ref.slice(2).split("/")) {
		const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
		if (!isObject(node) && !Array.isArray(node)) return undefined;
		if (!Object.hasOwn(node, key)) return undefined;
		node = (node as JSONObject)[key];
	}
	return node;
}

/** Calls `visit` on every object of the tree, with its JSON pointer (`#/paths/~1users/get`). */
function walk(node: unknown, visit: (value: JSONObject, pointer: string) => void, pointer = "#"): void {
	if (Array.isArray(node)) {
		for (const [i, item] of node.entries()) walk(item, visit, `${pointer}/${i}`);
	} else if (isObject(node)) {
		visit(node, pointer);
		for (const [key, value] of Object.entries(node)) {
			walk(value, visit, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`);
		}
	}
}

/**
 * The structural rules of OpenAPI 3.1 this document must meet, as a list of problems (empty when it is sound). No
 * validator package is installed; these are the checks a consumer (Swagger UI, a client generator) trips over.
 */
function findStructuralProblems(document: unknown): string[] {
	const problems: string[] = [];
	if (!isObject(document)) return ["the document is not an object"];
	if (typeof document.openapi !== "string" || !/^3\.1\.\d+$/.test(document.openapi)) {
		problems.push(`openapi is ${JSON.stringify(document.openapi)}, not 3.1.x`);
	}
	const info = document.info;
	if (!isObject(info) || typeof info.title !== "string" || typeof info.version !== "string") {
		problems.push("info needs a title and a version");
	}
	if (!isObject(document.paths)) return [...problems, "paths is not an object"];
	const components = isObject(document.components) ? document.components : {};
	const securitySchemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
	const tags = new Set(Array.isArray(document.tags) ? document.tags.map((tag) => (tag as JSONObject).name) : []);
	const operationIds = new Set<string>();
	const checkSecurity = (security: unknown, where: string): void => {
		if (security === undefined) return;
		if (!Array.isArray(security)) return void problems.push(`${where}: security is not an array`);
		for (const requirement of security) {
			for (const name of Object.keys(requirement as JSONObject)) {
				if (!Object.hasOwn(securitySchemes, name)) problems.push(`${where}: unknown security scheme ${name}`);
			}
		}
	};
	checkSecurity(document.security, "#");
	for (const [path, item] of Object.entries(document.paths)) {
		if (!path.startsWith("/")) problems.push(`path ${path} does not start with /`);
		if (!isObject(item)) {
			problems.push(`${path}: not a path item`);
			continue;
		}
		const templateNames = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
		const operations = Object.entries(item).filter(([key]) => HTTP_METHODS.includes(key));
		if (operations.length === 0) problems.push(`${path}: no operation`);
		for (const [method, operation] of operations) {
			const where = `${method.toUpperCase()} ${path}`;
			if (!isObject(operation)) {
				problems.push(`${where}: not an operation`);
				continue;
			}
			if (typeof operation.operationId !== "string") problems.push(`${where}: no operationId`);
			else if (operationIds.has(operation.operationId)) problems.push(`${where}: operationId used twice`);
			else operationIds.add(operation.operationId);
			if (!isObject(operation.responses) || Object.keys(operation.responses).length === 0) {
				problems.push(`${where}: no responses`);
			} else {
				for (const [status, response] of Object.entries(operation.responses)) {
					if (!/^(?:[1-5](?:\d\d|XX)|default)$/.test(status)) problems.push(`${where}: response key ${status}`);
					if (!isObject(response) || (response.$ref === undefined && typeof response.description !== "string")) {
						problems.push(`${where} ${status}: a response needs a description`);
					}
				}
			}
			const parameters = Array.isArray(operation.parameters) ? (operation.parameters as JSONObject[]) : [];
			const seen = new Set<string>();
			for (const parameter of parameters) {
				const id = `${parameter.in} ${parameter.name}`;
				if (seen.has(id)) problems.push(`${where}: parameter ${id} twice`);
				seen.add(id);
				if (!["path", "query", "header", "cookie"].includes(String(parameter.in))) {
					problems.push(`${where}: parameter ${parameter.name} is in ${parameter.in}`);
				}
				if (
					parameter.in === "path" &&
					(parameter.required !== true || !templateNames.includes(String(parameter.name)))
				) {
					problems.push(`${where}: path parameter ${parameter.name} must be required and in the path`);
				}
			}
			for (const name of templateNames) {
				if (!seen.has(`path ${name}`)) problems.push(`${where}: path parameter ${name} is not declared`);
			}
			for (const tag of Array.isArray(operation.tags) ? operation.tags : []) {
				if (!tags.has(tag)) problems.push(`${where}: tag ${tag} is not declared`);
			}
			checkSecurity(operation.security, where);
		}
	}
	walk(document, (node, path) => {
		if (typeof node.$ref === "string" && resolvePointer(document, node.$ref) === undefined) {
			problems.push(`${path}: $ref ${node.$ref} does not resolve`);
		}
	});
	return problems;
}

/** Every error code the document names: in schemas (`enum`, `const`) and in descriptions (`` `CODE` ``). */
function listMentionedCodes(document: unknown): string[] {
	const codes = new Set<string>();
	const codePattern = /^(?:AUTH_)?ERR_[A-Z_]+$/;
	walk(document, (node) => {
		for (const value of Object.values(node)) {
			if (typeof value === "string") {
				if (codePattern.test(value)) codes.add(value);
				for (const match of value.matchAll(/`((?:AUTH_)?ERR_[A-Z_]+)`/g)) codes.add(match[1] as string);
			} else if (Array.isArray(value)) {
				for (const item of value) if (typeof item === "string" && codePattern.test(item)) codes.add(item);
			}
		}
	});
	return [...codes].sort();
}

/** The codes of docs/errors.md's "## Codes" table, with their statuses. */
function parseErrorsTable(markdown: string): Map<string, number> {
	const section = markdown.split(/^## /m).find((part) => part.startsWith("Codes\n")) ?? "";
	const rows = new Map<string, number>();
	for (const line of section.split("\n")) {
		const match = /^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/.exec(line);
		if (match?.[1] && match[2]) rows.set(match[1], Number(match[2]));
	}
	return rows;
}

/** `METHOD /path` of each route a Hono router serves under `prefix`, in OpenAPI's `{param}` style. */
function listServedOperations(routes: ReadonlyArray<{ method: string; path: string }>, prefix: string): string[] {
	const served = routes
		.filter((route) => ROUTER_METHODS.has(route.method) && route.path.startsWith(`${prefix}/`))
		.map((route) => ({ method: route.method, path: route.path.slice(prefix.length).replace(/:(\w+)/g, "{$1}") }))
		.filter((route) => !PAGE_ROUTE.test(route.path))
		.map((route) => `${route.method} ${route.path}`);
	return [...new Set(served)].sort();
}

/** `METHOD /path` of each operation the document describes below its servers (not those with their own server). */
function listDocumentedOperations(document: JSONObject): string[] {
	const documented: string[] = [];
	for (const [path, item] of Object.entries(document.paths as Record<string, JSONObject>)) {
		for (const [method, operation] of Object.entries(item)) {
			if (HTTP_METHODS.includes(method) && (operation as JSONObject).servers === undefined) {
				documented.push(`${method.toUpperCase()} ${path}`);
			}
		}
	}
	return documented.sort();
}

let h: Harness;
let document: JSONObject;
beforeAll(async () => {
	h = await createHarness();
	document = (await (await h.app.request("/v3/openapi.json")).json()) as JSONObject;
});
afterAll(async () => {
	await h.close();
});

describe("GET /v3/openapi.json", () => {
	test("is served under /v3 and /v3.0 without appid, apikey or authtoken, as the same JSON", async () => {
		const answers = await Promise.all(["/v3/openapi.json", "/v3.0/openapi.json"].map((url) => h.app.request(url)));
		for (const res of answers) {
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
			expect(res.headers.get("cache-control")).toBe("no-cache");
		}
		const [v3, v30] = await Promise.all(answers.map((res) => res.text()));
		expect(v30).toBe(v3);
		expect(JSON.parse(v3 as string)).toEqual(document);
	});

	test("is answered before the app is looked up: an unknown appid does not matter", async () => {
		const res = await h.app.request("/v3/openapi.json", { headers: { appid: "no-such-app", apikey: "wrong" } });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual(document);
	});

	test("answers another method 405 with Allow, as every other path does", async () => {
		const res = await h.app.request("/v3/openapi.json", { method: "POST" });
		expect(res.headers.get("allow")).toBe("GET, OPTIONS");
		await expectResponse(
			res,
			405,
			errorBody("ERR_METHOD_NOT_ALLOWED", "The method POST is not allowed on this endpoint.", { allowed: ["GET"] }),
		);
	});

	test("is OpenAPI 3.1: sound structure, every operation has responses, every $ref resolves", () => {
		expect(document.openapi).toMatch(/^3\.1\.\d+$/);
		expect(findStructuralProblems(document)).toEqual([]);
		// Each component is JSON Schema 2020-12 (OpenAPI 3.1's dialect) without a `$schema` of its own.
		const schemas = (document.components as JSONObject).schemas as Record<string, JSONObject>;
		expect(Object.keys(schemas).sort()).toEqual(
			[...Object.keys(REQUEST_SCHEMAS), ...Object.keys(RESPONSE_SCHEMAS)].sort(),
		);
		expect(Object.values(schemas).filter((schema) => "$schema" in schema || "$id" in schema)).toEqual([]);
	});

	test("the structural check finds what is wrong (it can fail)", () => {
		const broken = {
			openapi: "3.0.3",
			info: { title: "x" },
			tags: [{ name: "Known" }],
			components: { schemas: { A: { type: "object" } }, securitySchemes: { key: { type: "apiKey" } } },
			paths: {
				"/a/{id}": {
					get: {
						operationId: "one",
						tags: ["Unknown"],
						security: [{ other: [] }],
						responses: { "200": { content: { "application/json": { schema: { $ref: "#/components/schemas/B" } } } } },
					},
					put: { operationId: "one", responses: {} },
				},
				b: { post: { operationId: "two", responses: { "200": { description: "ok" } } } },
			},
		};
		expect(findStructuralProblems(broken)).toEqual([
			'openapi is "3.0.3", not 3.1.x',
			"info needs a title and a version",
			"GET /a/{id} 200: a response needs a description",
			"GET /a/{id}: path parameter id is not declared",
			"GET /a/{id}: tag Unknown is not declared",
			"GET /a/{id}: unknown security scheme other",
			"PUT /a/{id}: operationId used twice",
			"PUT /a/{id}: no responses",
			"PUT /a/{id}: path parameter id is not declared",
			"path b does not start with /",
			"#/paths/~1a~1{id}/get/responses/200/content/application~1json/schema: $ref #/components/schemas/B does not resolve",
		]);
	});
});

describe("the document covers the router", () => {
	test("every route served under /v3 and /v3.0 is an operation of the document, and nothing else is", () => {
		const documented = listDocumentedOperations(document);
		expect(documented.length).toBeGreaterThan(20);
		expect(listServedOperations(h.app.routes, "/v3")).toEqual(documented);
		expect(listServedOperations(h.app.routes, "/v3.0")).toEqual(documented);
	});

	test("the operations with a server of their own are served at the root", () => {
		const rooted = OPERATIONS.filter((operation) => operation.atRoot).map(
			(operation) => `${operation.method.toUpperCase()} ${operation.path}`,
		);
		const atRoot = h.app.routes.map((route) => `${route.method} ${route.path}`);
		expect(rooted).toEqual(["GET /healthz"]);
		expect(rooted.filter((route) => !atRoot.includes(route))).toEqual([]);
	});

	test("the route walk sees a route the document lacks (it can fail)", () => {
		const routes = [
			{ method: "GET", path: "/v3/users/:uid" },
			{ method: "ALL", path: "/v3/users/:uid" },
			{ method: "DELETE", path: "/v3/nowhere" },
			{ method: "GET", path: "/v3/docs/:asset" },
			{ method: "GET", path: "/v3.0/elsewhere" },
		];
		expect(listServedOperations(routes, "/v3")).toEqual(["DELETE /nowhere", "GET /users/{uid}"]);
	});
});

describe("the document's error codes", () => {
	const table = parseErrorsTable(readFileSync(ERRORS_DOC, "utf8"));

	test("every code the document names is in docs/errors.md and in the server's code table", () => {
		const mentioned = listMentionedCodes(document);
		expect(mentioned.length).toBeGreaterThan(10);
		expect(mentioned.filter((code) => !table.has(code))).toEqual([]);
		expect(mentioned.filter((code) => !Object.hasOwn(ERROR_STATUS, code))).toEqual([]);
	});

	test("each error response lists only codes of its own HTTP status", () => {
		const misplaced: string[] = [];
		walk(document.paths, (node, path) => {
			if (!isObject(node.responses)) return;
			for (const [status, response] of Object.entries(node.responses)) {
				if (status === "200") continue;
				for (const code of listMentionedCodes(response)) {
					if (ERROR_STATUS[code as ErrorCode] !== Number(status)) misplaced.push(`${path} ${status} ${code}`);
					if (table.get(code) !== Number(status)) misplaced.push(`${path} ${status} ${code} (docs/errors.md)`);
				}
			}
		});
		expect(misplaced).toEqual([]);
	});

	test("the code finder reads schemas and descriptions, and the table parser the doc's rows (it can fail)", () => {
		expect(
			listMentionedCodes({ a: { enum: ["ERR_ONE", "other"] }, b: { description: "`AUTH_ERR_TWO`, ERR_NOT_QUOTED" } }),
		).toEqual(["AUTH_ERR_TWO", "ERR_ONE"]);
		expect([
			...parseErrorsTable("## Codes\n| `ERR_X` | 418 | m |\n| nope | 1 |\n## Next\n| `ERR_Y` | 400 |\n"),
		]).toEqual([["ERR_X", 418]]);
	});
});

describe("the document's schemas", () => {
	test("request bodies are the very zod schemas the domain validates with", () => {
		expect(REQUEST_SCHEMAS.CreateUserBody).toBe(createUserSchema);
		expect(REQUEST_SCHEMAS.UpdateUserBody).toBe(updateUserSchema);
		expect(REQUEST_SCHEMAS.DeactivateUsersBody).toBe(deactivateUsersSchema);
		expect(REQUEST_SCHEMAS.ReactivateUsersBody).toBe(reactivateUsersSchema);
		expect(REQUEST_SCHEMAS.CreateAuthTokenBody).toBe(createAuthTokenSchema);
		expect(REQUEST_SCHEMAS.UpdateAuthTokenBody).toBe(updateAuthTokenSchema);
		expect(REQUEST_SCHEMAS.CreateApiKeyBody).toBe(createApiKeySchema);
		expect(REQUEST_SCHEMAS.UpdateApiKeyBody).toBe(updateApiKeySchema);
		expect(REQUEST_SCHEMAS.RotateApiKeyBody).toBe(rotateApiKeySchema);
	});

	test("a body schema shows the limits the domain enforces", () => {
		const schemas = (document.components as JSONObject).schemas as Record<string, JSONObject>;
		expect(schemas.DeactivateUsersBody).toEqual({
			type: "object",
			properties: {
				uidsToDeactivate: {
					type: "array",
					minItems: 1,
					maxItems: 100,
					items: { type: "string", minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9_-]+$" },
				},
			},
			required: ["uidsToDeactivate"],
		});
	});
});

/**
 * Real answers, one or more per operation, checked against what the document says of that operation: a 200 parses
 * with its (strict) response schema, an error is one of the operation's codes with the table's status.
 */
describe("every operation answers as documented", () => {
	const checked = new Set<string>();
	const observed: string[] = [];

	async function expectDocumented(operationId: string, res: Response): Promise<void> {
		const operation = OPERATIONS.find((candidate) => candidate.operationId === operationId);
		if (!operation) throw new Error(`no operation ${operationId}`);
		const body: unknown = await res.json();
		observed.push(`${operationId} ${res.status}`);
		if (res.status === 200) {
			const parsed = RESPONSE_SCHEMAS[operation.response].safeParse(body);
			expect(parsed.error?.issues ?? [], `${operationId}: ${JSON.stringify(body)}`).toEqual([]);
		} else {
			const parsed = RESPONSE_SCHEMAS.ErrorAnswer.parse(body);
			expect(listOperationErrors(operation)).toContain(parsed.error.code);
			expect(res.status).toBe(ERROR_STATUS[parsed.error.code]);
		}
		checked.add(operationId);
	}

	test("each operation, with its success and a typical error", async () => {
		const rest = h.seed.restApiKey;
		const doc = async (id: string, method: string, path: string, options: Parameters<Harness["call"]>[2] = {}) =>
			await expectDocumented(id, await h.call(method, path, options));

		await doc("getHealth", "GET", "/healthz");
		await expectDocumented("getOpenAPIDocument", await h.app.request("/v3/openapi.json"));
		await doc("createUser", "POST", "/v3/users", {
			key: rest,
			body: { uid: "ada", name: "Ada", metadata: { a: 1 }, tags: ["x"], withAuthToken: true },
		});
		await doc("createUser", "POST", "/v3/users", { key: rest, body: { uid: "ada", name: "Ada" } });
		await doc("createUser", "POST", "/v3/users", { key: rest, body: { uid: "bad uid!" } });
		await doc("listUsers", "GET", "/v3/users?withTags=true&perPage=2", { key: rest });
		await doc("listUsers", "GET", "/v3/users?perPage=0", { key: rest });
		await doc("getUser", "GET", "/v3/users/ada", { key: rest });
		await doc("getUser", "GET", "/v3/users/nobody", { key: rest });
		await doc("updateUser", "PUT", "/v3/users/ada", { key: rest, body: { statusMessage: "hi" } });
		await doc("updateUser", "PUT", "/v3/users/ada", { key: h.seed.authKey, body: { name: "" } });

		const created = await h.call("POST", "/v3/users/ada/auth_tokens", { key: rest, body: { platform: "WEB" } });
		const token = ((await created.clone().json()) as { data: { authToken: string; id: string } }).data;
		await expectDocumented("createAuthToken", created);
		await doc("createAuthToken", "POST", "/v3/users/nobody/auth_tokens", { key: h.seed.authKey });
		await doc("listAuthTokens", "GET", "/v3/users/ada/auth_tokens", { key: rest });
		await doc("getAuthToken", "GET", `/v3/users/ada/auth_tokens/${token.id}`, { key: rest });
		await doc("getAuthToken", "GET", "/v3/users/ada/auth_tokens/lkat_00000000000000000000", { key: rest });
		await doc("updateAuthToken", "PUT", `/v3/users/ada/auth_tokens/${token.id}`, {
			key: rest,
			body: { userAgent: "test" },
		});

		await doc("getMe", "GET", "/v3/me", { token: token.authToken });
		await doc("getMe", "GET", "/v3/me", { token: "lkat_00000000000000000000.nope" });
		await doc("updateMe", "PUT", "/v3/me", { token: token.authToken, body: { platform: "WEB", deviceId: "d1" } });
		await doc("updateMe", "PUT", "/v3/me", { token: token.authToken, body: { name: "Ada L." } });
		await doc("listMySessions", "GET", "/v3/me/sessions", { token: token.authToken });
		const spare = await h.call("POST", "/v3/users/ada/auth_tokens", { key: rest });
		const spareId = ((await spare.json()) as { data: { id: string } }).data.id;
		await doc("endMySession", "DELETE", `/v3/me/sessions/${spareId}`, { token: token.authToken });
		await doc("endMySession", "DELETE", `/v3/me/sessions/${spareId}`, { token: token.authToken });
		await doc("endMySessions", "DELETE", "/v3/me/sessions", { token: token.authToken, body: { scope: "others" } });
		await doc("endMySessions", "DELETE", "/v3/me/sessions", { token: token.authToken, body: { scope: "some" } });
		await doc("getSettings", "GET", "/v3/settings", { token: token.authToken });
		await doc("createUserSession", "POST", "/v3/user_sessions", { token: token.authToken, body: { sessionId: "s" } });
		await doc("logout", "DELETE", "/v3/me", { token: token.authToken });

		// Logged out: the token is gone.
		await doc("deleteAuthToken", "DELETE", `/v3/users/ada/auth_tokens/${token.id}`, { key: rest });
		const second = await h.call("POST", "/v3/users/ada/auth_tokens", { key: h.seed.authKey });
		const secondId = ((await second.json()) as { data: { id: string } }).data.id;
		await doc("deleteAuthToken", "DELETE", `/v3/users/ada/auth_tokens/${secondId}`, { key: rest });
		await doc("flushAuthTokens", "DELETE", "/v3/users/ada/auth_tokens", { key: rest });
		await doc("revokeUserAuthTokens", "POST", "/v3/users/ada/auth_tokens/revoke", {
			key: rest,
			body: { issuedBefore: 0 },
		});
		await doc("revokeUserAuthTokens", "POST", "/v3/users/ada/auth_tokens/revoke", { key: rest, body: {} });
		await doc("revokeAppAuthTokens", "POST", "/v3/auth_tokens/revoke", { key: rest, body: { issuedBefore: 0 } });
		await doc("revokeAppAuthTokens", "POST", "/v3/auth_tokens/revoke", { key: rest, body: { except: "x" } });

		const key = await h.call("POST", "/v3/apikeys", { key: rest, body: { name: "ci", scope: "fullAccess" } });
		const keyId = ((await key.clone().json()) as { data: { id: string } }).data.id;
		await expectDocumented("createApiKey", key);
		await doc("listApiKeys", "GET", "/v3/apikeys?scope=fullAccess", { key: rest });
		await doc("listApiKeys", "GET", "/v3/apikeys", { key: h.seed.authKey });
		await doc("getApiKey", "GET", `/v3/apikeys/${keyId}`, { key: rest });
		await doc("getApiKey", "GET", "/v3/apikeys/lkak_00000000000000000000", { key: rest });
		await doc("updateApiKey", "PUT", `/v3/apikeys/${keyId}`, { key: rest, body: { name: "ci 2", expiresAt: null } });
		await doc("rotateApiKey", "POST", `/v3/apikeys/${keyId}/rotate`, { key: rest, body: { overlapSeconds: 60 } });
		await doc("rotateApiKey", "POST", `/v3/apikeys/${keyId}/rotate`, { key: rest, body: { overlapSeconds: -1 } });
		await doc("deleteApiKey", "DELETE", `/v3/apikeys/${keyId}`, { key: rest });

		await doc("deactivateUsers", "DELETE", "/v3/users", { key: rest, body: { uidsToDeactivate: ["ada", "nobody"] } });
		await doc("reactivateUsers", "PUT", "/v3/users", { key: rest, body: { uidsToActivate: ["ada"] } });
		await doc("reactivateUsers", "PUT", "/v3/users", { key: rest, body: { uidsToActivate: [] } });
		await doc("deleteUser", "DELETE", "/v3/users/ada", { key: rest, body: { permanent: true } });
		await doc("deleteUser", "DELETE", "/v3/users/ada", { key: rest });

		await doc("getSecuritySettings", "GET", "/v3/security", { key: rest });
		await doc("updateSecuritySettings", "PUT", "/v3/security", { key: rest, body: { tokenIdleTimeoutSeconds: 3600 } });
		await doc("updateSecuritySettings", "PUT", "/v3/security", { key: rest, body: { productionMode: "yes" } });
		await doc("listAuditEvents", "GET", "/v3/audit_log?limit=2", { key: rest });
		await doc("listAuditEvents", "GET", "/v3/audit_log?limit=0", { key: rest });
		await doc("importUsers", "POST", "/v3/data_import/users", {
			key: rest,
			body: { users: { ada: { name: "Ada", tags: ["x"] }, "bad uid": { name: "B" }, superhero1: { name: "S" } } },
		});
		await doc("importUsers", "POST", "/v3/data_import/users", { key: rest, body: { users: {} } });

		const issuer = TestIssuer.offline("https://login.example.test/");
		await issuer.addKey("k1");
		const idp = { issuer: issuer.issuer, jwks: issuer.jwks(), audiences: ["chat"], algorithms: ["ES256"] };
		const provider = await h.call("POST", "/v3/identity_providers", { key: rest, body: idp });
		const providerPath = `/v3/identity_providers/${((await provider.clone().json()) as { data: { id: string } }).data.id}`;
		await expectDocumented("createIdentityProvider", provider);
		await doc("createIdentityProvider", "POST", "/v3/identity_providers", { key: rest, body: idp });
		await doc("listIdentityProviders", "GET", "/v3/identity_providers", { key: rest });
		await doc("getIdentityProvider", "GET", providerPath, { key: rest });
		await doc("getIdentityProvider", "GET", "/v3/identity_providers/lkip_00000000000000000000", { key: rest });
		await doc("updateIdentityProvider", "PUT", providerPath, { key: rest, body: { nameClaim: "name" } });
		await doc("updateIdentityProvider", "PUT", providerPath, { key: rest, body: { algorithms: ["HS256"] } });
		const exp = Math.floor(h.clock.now() / 1000) + 60;
		const idToken = await issuer.sign({ sub: "grace", name: "Grace", aud: "chat", exp });
		await doc("exchangeIdentityToken", "POST", "/v3/auth_tokens/exchange", { body: { token: idToken } });
		await doc("exchangeIdentityToken", "POST", "/v3/auth_tokens/exchange", { body: { token: "not-a-jwt" } });
		await doc("deleteIdentityProvider", "DELETE", providerPath, { key: rest });
		await doc("deleteIdentityProvider", "DELETE", providerPath, { key: rest });

		const hook = await h.call("POST", "/v3/webhooks", {
			key: rest,
			body: { url: "https://hooks.example.test/latchkey", events: ["login.succeeded"] },
		});
		const hookPath = `/v3/webhooks/${((await hook.clone().json()) as { data: { id: string } }).data.id}`;
		await expectDocumented("createWebhook", hook);
		await doc("createWebhook", "POST", "/v3/webhooks", { key: rest, body: { url: "http://10.0.0.1/", events: ["*"] } });
		await doc("listWebhooks", "GET", "/v3/webhooks", { key: rest });
		await doc("getWebhook", "GET", hookPath, { key: rest });
		await doc("getWebhook", "GET", "/v3/webhooks/wh_00000000000000000000", { key: rest });
		await doc("updateWebhook", "PUT", hookPath, { key: rest, body: { description: "SIEM" } });
		await doc("updateWebhook", "PUT", hookPath, { key: rest, body: { events: ["nope"] } });
		await doc("listWebhookDeliveries", "GET", `${hookPath}/deliveries`, { key: rest });
		await doc("listWebhookDeliveries", "GET", `${hookPath}/deliveries?perPage=0`, { key: rest });
		await doc("deleteWebhook", "DELETE", hookPath, { key: rest });
		await doc("deleteWebhook", "DELETE", hookPath, { key: rest });

		expect(OPERATIONS.map((operation) => operation.operationId).filter((id) => !checked.has(id))).toEqual([]);
		expect(observed).toEqual([
			"getHealth 200",
			"getOpenAPIDocument 200",
			"createUser 200",
			"createUser 400",
			"createUser 400",
			"listUsers 200",
			"listUsers 400",
			"getUser 200",
			"getUser 404",
			"updateUser 200",
			"updateUser 400",
			"createAuthToken 200",
			"createAuthToken 404",
			"listAuthTokens 200",
			"getAuthToken 200",
			"getAuthToken 404",
			"updateAuthToken 200",
			"getMe 200",
			"getMe 401",
			"updateMe 200",
			"updateMe 200",
			"listMySessions 200",
			"endMySession 200",
			"endMySession 404",
			"endMySessions 200",
			"endMySessions 400",
			"getSettings 200",
			"createUserSession 200",
			"logout 200",
			"deleteAuthToken 404",
			"deleteAuthToken 200",
			"flushAuthTokens 200",
			"revokeUserAuthTokens 200",
			"revokeUserAuthTokens 400",
			"revokeAppAuthTokens 200",
			"revokeAppAuthTokens 400",
			"createApiKey 200",
			"listApiKeys 200",
			"listApiKeys 403",
			"getApiKey 200",
			"getApiKey 404",
			"updateApiKey 200",
			"rotateApiKey 200",
			"rotateApiKey 400",
			"deleteApiKey 200",
			"deactivateUsers 200",
			"reactivateUsers 200",
			"reactivateUsers 400",
			"deleteUser 200",
			"deleteUser 404",
			"getSecuritySettings 200",
			"updateSecuritySettings 200",
			"updateSecuritySettings 400",
			"listAuditEvents 200",
			"listAuditEvents 400",
			"importUsers 200",
			"importUsers 400",
			"createIdentityProvider 200",
			"createIdentityProvider 400",
			"listIdentityProviders 200",
			"getIdentityProvider 200",
			"getIdentityProvider 404",
			"updateIdentityProvider 200",
			"updateIdentityProvider 400",
			"exchangeIdentityToken 200",
			"exchangeIdentityToken 401",
			"deleteIdentityProvider 200",
			"deleteIdentityProvider 404",
			"createWebhook 200",
			"createWebhook 400",
			"listWebhooks 200",
			"getWebhook 200",
			"getWebhook 404",
			"updateWebhook 200",
			"updateWebhook 400",
			"listWebhookDeliveries 200",
			"listWebhookDeliveries 400",
			"deleteWebhook 200",
			"deleteWebhook 404",
		]);
	});

	test("a strict response schema refuses a field it does not declare (it can fail)", () => {
		expect(RESPONSE_SCHEMAS.HealthAnswer.safeParse({ data: { status: "ok", extra: 1 } }).success).toBe(false);
	});
});

describe("GET /v3/docs", () => {
	const swaggerUIDirectory = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
	const CONTENT_TYPES: Record<string, string> = {
		css: "text/css; charset=utf-8",
		js: "text/javascript; charset=utf-8",
	};

	test("is an HTML page with a strict CSP, under /v3 and /v3.0, without credentials", async () => {
		for (const url of ["/v3/docs", "/v3.0/docs"]) {
			const res = await h.app.request(url);
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
			expect(res.headers.get("content-security-policy")).toBe(
				"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
					"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
			);
			expect(res.headers.get("x-content-type-options")).toBe("nosniff");
			const html = await res.text();
			expect(html).toMatch(/^<!doctype html>/);
			expect(html).toContain('<div id="swagger-ui"></div>');
		}
	});

	test("names no external URL and no inline script; each file it loads is served with its type", async () => {
		const html = await (await h.app.request("/v3/docs")).text();
		expect(html).not.toMatch(/https?:|\/\//);
		expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
		const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
		// An empty icon, so the browser does not ask for /favicon.ico.
		expect(references.shift()).toBe("data:,");
		expect(references).toEqual(["docs/swagger-ui.css", "docs/swagger-ui-bundle.js", "docs/latchkey-docs.js"]);
		for (const prefix of ["/v3/", "/v3.0/"]) {
			for (const reference of references) {
				const res = await h.app.request(`${prefix}${reference}`);
				const extension = reference.split(".").pop() as string;
				expect({ reference, status: res.status, type: res.headers.get("content-type") }).toEqual({
					reference,
					status: 200,
					type: CONTENT_TYPES[extension],
				});
				const body = await res.text();
				if (reference === "docs/latchkey-docs.js") {
					expect(body).not.toMatch(/https?:/);
					expect(body).toContain('new URL("openapi.json", document.baseURI)');
					expect(res.headers.get("cache-control")).toBe("no-cache");
				} else {
					expect(body).toBe(readFileSync(join(swaggerUIDirectory, reference.slice("docs/".length)), "utf8"));
					expect(res.headers.get("cache-control")).toBe("public, max-age=86400");
				}
			}
		}
	});

	test("serves no other file of the package, and refuses other methods", async () => {
		for (const name of [
			"package.json",
			"index.html",
			"swagger-ui.js",
			"__proto__",
			"constructor",
			"..%2Fpackage.json",
		]) {
			await expectResponse(
				await h.app.request(`/v3/docs/${name}`),
				404,
				errorBody("ERR_API_NOT_FOUND", `The endpoint GET /v3/docs/${name} does not exist.`),
			);
		}
		const res = await h.app.request("/v3/docs", { method: "DELETE" });
		expect(res.headers.get("allow")).toBe("GET, OPTIONS");
		await expectResponse(
			res,
			405,
			errorBody("ERR_METHOD_NOT_ALLOWED", "The method DELETE is not allowed on this endpoint.", { allowed: ["GET"] }),
		);
	});
});
