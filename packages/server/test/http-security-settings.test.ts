import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { maskCredential } from "../src/domain/secrets.ts";
import { DEFAULT_SECURITY_SETTINGS } from "../src/domain/security.ts";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, credentialId, expectError, expectResponse } from "./helpers.ts";

// Issue 15: GET and PUT /v3/security, an app's session controls, CometChat's behaviour by default.
let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

const INVALID = "Failed to validate the data sent with the request.";
const DEFAULTS = {
	tokenIdleTimeoutSeconds: null,
	tokenMaxLifetimeSeconds: null,
	authKeyLogin: "enabled",
	authKeyUidAllowlist: [],
	authKeyOriginAllowlist: [],
	productionMode: false,
	tokenStorage: "hashed",
};

function put(body: unknown, key = h.seed.restApiKey): Promise<Response> {
	return h.call("PUT", "/v3/security", { key, body });
}

describe("GET /v3/security", () => {
	test("answers CometChat's behaviour for a new app, on /v3 and /v3.0", async () => {
		expect(DEFAULT_SECURITY_SETTINGS).toEqual(DEFAULTS);
		for (const prefix of ["/v3", "/v3.0"]) {
			await expectResponse(await h.call("GET", `${prefix}/security`, { key: h.seed.restApiKey }), 200, {
				data: DEFAULTS,
			});
		}
	});

	test("needs a REST API key: none is 401, an Auth Key 403", async () => {
		await expectError(
			await h.call("GET", "/v3/security"),
			401,
			"AUTH_ERR_EMPTY_APIKEY",
			"The apiKey is missing in the headers.",
		);
		for (const method of ["GET", "PUT"]) {
			await expectError(
				await h.call(method, "/v3/security", { key: h.seed.authKey, ...(method === "PUT" && { body: {} }) }),
				403,
				"AUTH_ERR_NO_ACCESS",
				`The key ${maskCredential(credentialId(h.seed.authKey))} cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
			);
		}
	});

	test("other methods are 405 with Allow", async () => {
		const res = await h.call("DELETE", "/v3/security", { key: h.seed.restApiKey });
		expect(res.headers.get("allow")).toBe("GET, PUT, OPTIONS");
		await expectError(res, 405, "ERR_METHOD_NOT_ALLOWED", "The method DELETE is not allowed on this endpoint.", {
			allowed: ["GET", "PUT"],
		});
	});
});

describe("PUT /v3/security", () => {
	test("changes the named settings only, publishes app.updated, and leaves other apps alone", async () => {
		const other = await createOtherApp(h);
		await expectResponse(await put({ tokenIdleTimeoutSeconds: 86_400, authKeyUidAllowlist: ["Alice", "bob"] }), 200, {
			data: { ...DEFAULTS, tokenIdleTimeoutSeconds: 86_400, authKeyUidAllowlist: ["alice", "bob"] },
		});
		await expectResponse(await put({ tokenMaxLifetimeSeconds: 2_592_000 }), 200, {
			data: {
				...DEFAULTS,
				tokenIdleTimeoutSeconds: 86_400,
				tokenMaxLifetimeSeconds: 2_592_000,
				authKeyUidAllowlist: ["alice", "bob"],
			},
		});
		// null turns a timeout back off.
		await expectResponse(await put({ tokenIdleTimeoutSeconds: null }), 200, {
			data: { ...DEFAULTS, tokenMaxLifetimeSeconds: 2_592_000, authKeyUidAllowlist: ["alice", "bob"] },
		});
		expect(h.eventsOf("app.updated")).toEqual([
			{ type: "app.updated", appId: h.seed.app.id },
			{ type: "app.updated", appId: h.seed.app.id },
			{ type: "app.updated", appId: h.seed.app.id },
		]);
		const res = await h.app.request("/v3/security", { headers: { appid: other.app.id, apikey: other.restApiKey } });
		await expectResponse(res, 200, { data: DEFAULTS });
	});

	test("production mode turns Auth Key logins off unless they were set explicitly", async () => {
		await expectResponse(await put({ productionMode: true }), 200, {
			data: { ...DEFAULTS, productionMode: true, authKeyLogin: "disabled" },
		});
		await expectResponse(
			await put({ authKeyLogin: "allowlist", authKeyOriginAllowlist: ["https://App.example:8443"] }),
			200,
			{
				data: {
					...DEFAULTS,
					productionMode: true,
					authKeyLogin: "allowlist",
					authKeyOriginAllowlist: ["https://app.example:8443"],
				},
			},
		);
	});

	test("bad values are 400 naming each field, and change nothing", async () => {
		const cases: Array<[unknown, Record<string, string[]>]> = [
			[
				{ tokenIdleTimeoutSeconds: 59 },
				{ tokenIdleTimeoutSeconds: ["The tokenIdleTimeoutSeconds must be at least 60."] },
			],
			[
				{ tokenMaxLifetimeSeconds: 315_360_001 },
				{ tokenMaxLifetimeSeconds: ["The tokenMaxLifetimeSeconds may not be greater than 315360000."] },
			],
			[
				{ tokenIdleTimeoutSeconds: "3600" },
				{ tokenIdleTimeoutSeconds: ["The tokenIdleTimeoutSeconds must be a number."] },
			],
			[{ authKeyLogin: "sometimes" }, { authKeyLogin: ["The selected authKeyLogin is invalid."] }],
			[
				{ tokenIdleTimeoutSeconds: 3600.5 },
				{ tokenIdleTimeoutSeconds: ["The tokenIdleTimeoutSeconds must be a whole number."] },
			],
			[{ productionMode: "yes" }, { productionMode: ["The productionMode must be a boolean."] }],
			[
				{ authKeyOriginAllowlist: ["https://app.example/path"] },
				{
					"authKeyOriginAllowlist.0": [
						"The authKeyOriginAllowlist items must be origins such as https://app.example.com.",
					],
				},
			],
			[
				{ authKeyUidAllowlist: ["no spaces"] },
				{ "authKeyUidAllowlist.0": ["The uid may only contain letters, numbers, dashes and underscores."] },
			],
			[
				{ tokenStorage: "retrievable" },
				{
					tokenStorage: [
						"Retrievable token storage needs LATCHKEY_TOKEN_ENCRYPTION_KEY, which this server is not configured with.",
					],
				},
			],
			[{ tokenTtl: 5, productionMode: true }, { tokenTtl: ["The tokenTtl field is not a security setting."] }],
		];
		for (const [body, details] of cases) {
			await expectError(await put(body), 400, "ERR_BAD_REQUEST", INVALID, details);
		}
		const notObject = "The request body must be a JSON object.";
		await expectError(await put([]), 400, "ERR_BAD_REQUEST", notObject, { body: [notObject] });
		await expectResponse(await h.call("GET", "/v3/security", { key: h.seed.restApiKey }), 200, { data: DEFAULTS });
		expect(h.eventsOf("app.updated")).toEqual([]);
	});
});
