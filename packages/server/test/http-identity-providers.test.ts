import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { MAX_IDENTITY_PROVIDERS_PER_APP } from "../src/domain/identity-providers.ts";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, expectError, expectResponse, readJSON, T0 } from "./helpers.ts";
import { TestIssuer } from "./identity-issuer.ts";

// The app's trusted identity providers (issue 18): POST/GET /v3/identity_providers, GET/PUT/DELETE …/{id}.

let h: Harness;
let issuer: TestIssuer;
beforeEach(async () => {
	h = await createHarness();
	issuer = TestIssuer.offline("https://login.example.test/");
	await issuer.addKey("key-1");
});
afterEach(async () => {
	await h.close();
});

const BAD_REQUEST = "Failed to validate the data sent with the request.";
const PROVIDER_ID = /^lkip_[0-9a-f]{20}$/;

function remoteBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		issuer: "https://example.eu.auth0.com/",
		jwksUri: "https://example.eu.auth0.com/.well-known/jwks.json",
		audiences: ["https://chat.example.test"],
		algorithms: ["RS256"],
		...overrides,
	};
}

async function create(body: unknown, key = h.seed.restApiKey): Promise<Response> {
	return await h.call("POST", "/v3/identity_providers", { key, body });
}

async function createdId(body: unknown): Promise<string> {
	const res = await create(body);
	expect(res.status).toBe(200);
	return ((await res.json()) as { data: { id: string } }).data.id;
}

describe("POST /v3/identity_providers", () => {
	test("answers the whole provider, with the defaults filled in", async () => {
		const res = await create(remoteBody());
		const body = (await readJSON(res)) as { data: { id: string } };
		expect(body.data.id).toMatch(PROVIDER_ID);
		await expectResponse(new Response(JSON.stringify(body), { status: res.status }), 200, {
			data: {
				id: body.data.id,
				issuer: "https://example.eu.auth0.com/",
				jwksUri: "https://example.eu.auth0.com/.well-known/jwks.json",
				audiences: ["https://chat.example.test"],
				algorithms: ["RS256"],
				uidClaim: "sub",
				clockSkewSeconds: 60,
				createUsers: true,
				uidMapping: "strict",
				createdAt: T0,
			},
		});
	});

	test("keeps every optional field, and an inline key set of public keys", async () => {
		const res = await create({
			issuer: issuer.issuer,
			jwks: issuer.jwks(),
			audiences: ["chat-web", "chat-ios"],
			algorithms: ["ES256", "EdDSA", "ES256"],
			uidClaim: "user_id",
			nameClaim: "name",
			avatarClaim: "picture",
			clockSkewSeconds: 0,
			createUsers: false,
			uidPrefix: "fb-",
			uidMapping: "sanitize",
		});
		const data = ((await readJSON(res)) as { data: Record<string, unknown> }).data;
		expect(res.status).toBe(200);
		expect(data).toEqual({
			id: data.id,
			issuer: issuer.issuer,
			jwks: issuer.jwks(),
			audiences: ["chat-web", "chat-ios"],
			algorithms: ["ES256", "EdDSA"],
			uidClaim: "user_id",
			nameClaim: "name",
			avatarClaim: "picture",
			clockSkewSeconds: 0,
			createUsers: false,
			uidPrefix: "fb-",
			uidMapping: "sanitize",
			createdAt: T0,
		});
	});

	test("refuses a body without the required fields, naming each", async () => {
		await expectError(await create({}), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			issuer: ["The issuer field is required."],
			audiences: ["The audiences field is required."],
			algorithms: ["The algorithms field is required."],
		});
	});

	test("refuses none, HS* and unknown algorithms", async () => {
		await expectError(
			await create(remoteBody({ algorithms: ["none", "HS256", "RS256", "XX1"] })),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{
				"algorithms.0": ["The selected algorithms.0 is invalid."],
				"algorithms.1": ["The selected algorithms.1 is invalid."],
				"algorithms.3": ["The selected algorithms.3 is invalid."],
			},
		);
		await expectError(await create(remoteBody({ algorithms: [] })), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			algorithms: ["The algorithms must be at least 1."],
		});
	});

	test("needs exactly one of jwksUri and jwks", async () => {
		const { jwksUri: _uri, ...neither } = remoteBody();
		await expectError(await create(neither), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			jwksUri: ["The jwksUri field is required when jwks is not present."],
		});
		await expectError(await create(remoteBody({ jwks: issuer.jwks() })), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			jwksUri: ["The jwksUri field is prohibited when jwks is present."],
		});
	});

	test("a key set URL must be https, absolute and without credentials", async () => {
		const cases: Array<[string, string]> = [
			["http://example.eu.auth0.com/jwks.json", "The jwksUri must be an https URL."],
			["http://127.0.0.1:8080/jwks.json", "The jwksUri must be an https URL."],
			["file:///etc/passwd", "The jwksUri must be an https URL."],
			["/jwks.json", "The jwksUri must be an absolute URL."],
			["https://user:pass@example.test/jwks.json", "The jwksUri may not contain credentials."],
		];
		for (const [jwksUri, message] of cases) {
			await expectError(await create(remoteBody({ jwksUri })), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
				jwksUri: [message],
			});
		}
	});

	test("an inline key set holds public asymmetric keys only", async () => {
		const [publicKey] = issuer.jwks().keys;
		const privateKey = { ...publicKey, d: "c2VjcmV0" };
		const body = (keys: unknown[]) => remoteBody({ jwksUri: undefined, jwks: { keys } });
		await expectError(await create(body([privateKey])), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			"jwks.keys.0.d": ["The jwks may hold public keys only."],
		});
		await expectError(await create(body([{ kty: "oct", k: "c2VjcmV0" }])), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			"jwks.keys.0.kty": ["The selected jwks.keys.0.kty is invalid."],
		});
		await expectError(await create(body([])), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			"jwks.keys": ["The jwks.keys must be at least 1."],
		});
	});

	test("refuses unknown fields, so a misspelt audience cannot drop the audience check", async () => {
		await expectError(
			await create(remoteBody({ audience: "https://chat.example.test" })),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{ audience: ["The audience field is not allowed."] },
		);
	});

	test("refuses bad optional fields", async () => {
		await expectError(
			await create(
				remoteBody({ clockSkewSeconds: 301, uidMapping: "loose", uidPrefix: "a|", createUsers: "yes", uidClaim: "" }),
			),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{
				clockSkewSeconds: ["The clockSkewSeconds may not be greater than 300."],
				uidMapping: ["The selected uidMapping is invalid."],
				uidPrefix: ["The uidPrefix may only contain letters, numbers, dashes and underscores."],
				createUsers: ["The createUsers must be a boolean."],
				uidClaim: ["The uidClaim field is required."],
			},
		);
	});

	test("an issuer is trusted once per app", async () => {
		await createdId(remoteBody());
		await expectError(await create(remoteBody({ audiences: ["other"] })), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			issuer: ["This app already trusts an identity provider with this issuer."],
		});
	});

	test(`at most ${MAX_IDENTITY_PROVIDERS_PER_APP} providers per app`, async () => {
		for (let index = 0; index < MAX_IDENTITY_PROVIDERS_PER_APP; index++) {
			await createdId(remoteBody({ issuer: `https://issuer-${index}.example.test/` }));
		}
		await expectError(
			await create(remoteBody({ issuer: "https://one-too-many.example.test/" })),
			403,
			"ERR_PLAN_QUOTA_RESTRICTION",
			`The allowed limit of ${MAX_IDENTITY_PROVIDERS_PER_APP} identity providers for this app has been reached. Delete one before adding another.`,
		);
	});

	test("needs the REST API Key: none is 401, the Auth Key is 403", async () => {
		await expectError(
			await h.call("POST", "/v3/identity_providers", { body: remoteBody() }),
			401,
			"AUTH_ERR_EMPTY_APIKEY",
			"The apiKey is missing in the headers.",
		);
		const res = await create(remoteBody(), h.seed.authKey);
		expect(res.status).toBe(403);
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe("AUTH_ERR_NO_ACCESS");
	});
});

describe("GET, PUT and DELETE", () => {
	test("GET lists the app's providers oldest first; GET {id} answers one", async () => {
		const first = await createdId(remoteBody());
		h.clock.advance(1000);
		const second = await createdId({
			issuer: issuer.issuer,
			jwks: issuer.jwks(),
			audiences: ["a"],
			algorithms: ["ES256"],
		});
		const list = await h.call("GET", "/v3/identity_providers", { key: h.seed.restApiKey });
		const body = (await readJSON(list)) as { data: Array<{ id: string; createdAt: number }>; meta: unknown };
		expect(body.data.map((provider) => [provider.id, provider.createdAt])).toEqual([
			[first, T0],
			[second, T0 + 1],
		]);
		expect(body.meta).toEqual({ pagination: { total: 2, count: 2, per_page: 20, current_page: 1, total_pages: 1 } });
		const one = await h.call("GET", `/v3/identity_providers/${second}`, { key: h.seed.restApiKey });
		expect(((await readJSON(one)) as { data: unknown }).data).toEqual(body.data[1]);
	});

	test("PUT changes only the fields sent, null removes an optional one, and jwks replaces jwksUri", async () => {
		const id = await createdId(remoteBody({ nameClaim: "name", uidPrefix: "a0-" }));
		h.clock.advance(5000);
		const res = await h.call("PUT", `/v3/identity_providers/${id}`, {
			key: h.seed.restApiKey,
			body: { audiences: ["chat-web", "chat-ios"], uidPrefix: null, jwks: issuer.jwks(), algorithms: ["ES256"] },
		});
		await expectResponse(res, 200, {
			data: {
				id,
				issuer: "https://example.eu.auth0.com/",
				jwks: issuer.jwks(),
				audiences: ["chat-web", "chat-ios"],
				algorithms: ["ES256"],
				uidClaim: "sub",
				nameClaim: "name",
				clockSkewSeconds: 60,
				createUsers: true,
				uidMapping: "strict",
				createdAt: T0,
				updatedAt: T0 + 5,
			},
		});
	});

	test("PUT validates the result as a new provider, and refuses another provider's issuer", async () => {
		const id = await createdId(remoteBody());
		await createdId(remoteBody({ issuer: "https://second.example.test/" }));
		const put = async (body: unknown) =>
			await h.call("PUT", `/v3/identity_providers/${id}`, { key: h.seed.restApiKey, body });
		await expectError(await put({ algorithms: ["HS256"] }), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			"algorithms.0": ["The selected algorithms.0 is invalid."],
		});
		await expectError(await put({ issuer: "https://second.example.test/" }), 400, "ERR_BAD_REQUEST", BAD_REQUEST, {
			issuer: ["This app already trusts an identity provider with this issuer."],
		});
	});

	test("DELETE removes it: then its id is 404 and its tokens are refused", async () => {
		const id = await createdId({ issuer: issuer.issuer, jwks: issuer.jwks(), audiences: ["a"], algorithms: ["ES256"] });
		await expectResponse(await h.call("DELETE", `/v3/identity_providers/${id}`, { key: h.seed.restApiKey }), 200, {
			data: { success: true, message: `The identity provider ${id} has been deleted successfully.` },
		});
		const message = `The identity provider ${id} does not exist in this app.`;
		for (const method of ["GET", "PUT", "DELETE"]) {
			await expectError(
				await h.call(method, `/v3/identity_providers/${id}`, {
					key: h.seed.restApiKey,
					...(method === "PUT" && { body: {} }),
				}),
				404,
				"ERR_IDENTITY_PROVIDER_NOT_FOUND",
				message,
			);
		}
		const exp = Math.floor(h.clock.now() / 1000) + 60;
		const token = await issuer.sign({ sub: "alice", aud: "a", exp });
		const res = await h.call("POST", "/v3/auth_tokens/exchange", { body: { token } });
		expect(((await res.json()) as { error: { details: unknown } }).error.details).toEqual({ reason: "issuer" });
	});

	test("other methods are 405 with Allow", async () => {
		const res = await h.call("PATCH", "/v3/identity_providers", { key: h.seed.restApiKey });
		expect(res.status).toBe(405);
		expect(res.headers.get("allow")).toBe("GET, POST, OPTIONS");
	});
});

describe("apps are isolated", () => {
	test("another app's provider is not listed, read, changed or deleted here", async () => {
		const other = await createOtherApp(h);
		const theirs = await h.call("POST", "/v3/identity_providers", {
			key: other.restApiKey,
			headers: { appid: other.app.id },
			body: remoteBody(),
		});
		const theirId = ((await theirs.json()) as { data: { id: string } }).data.id;
		const list = await h.call("GET", "/v3/identity_providers", { key: h.seed.restApiKey });
		expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);
		for (const method of ["GET", "PUT", "DELETE"]) {
			await expectError(
				await h.call(method, `/v3/identity_providers/${theirId}`, {
					key: h.seed.restApiKey,
					...(method === "PUT" && { body: {} }),
				}),
				404,
				"ERR_IDENTITY_PROVIDER_NOT_FOUND",
				`The identity provider ${theirId} does not exist in this app.`,
			);
		}
		// The same issuer may be trusted by both apps.
		expect((await create(remoteBody())).status).toBe(200);
	});

	test("another app's REST API Key is refused", async () => {
		const other = await createOtherApp(h);
		const res = await create(remoteBody(), other.restApiKey);
		expect(res.status).toBe(401);
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe("AUTH_ERR_APIKEY_NOT_FOUND");
	});
});
