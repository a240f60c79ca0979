import pino from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createApp } from "../src/http/app.ts";
import type { Store } from "../src/store/store.ts";
import { createHarness, type Harness } from "./harness.ts";
import { credentialId, errorBody, expectError, expectResponse, mintToken, readJSON } from "./helpers.ts";

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

const SDK_HEADERS =
	"appid,apikey,authtoken,resource,sdk,content-type,accept,authorization,settingshash,settingshashreceivedat";

/** A logger that keeps its lines, to check what reaches the logs. */
function captureLogger(): { logger: pino.Logger; lines: string[] } {
	const lines: string[] = [];
	const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
	return { logger, lines };
}

describe("unknown routes", () => {
	test.each(["/nothing", "/v3/nothing", "/v3.0/groups", "/v2.0/users", "/v3/users/superhero1/friends", "/v4/users"])(
		"GET %s is 404 ERR_API_NOT_FOUND",
		async (path) => {
			const res = await h.call("GET", path, { key: h.seed.restApiKey });
			await expectError(res, 404, "ERR_API_NOT_FOUND", `The endpoint GET ${path} does not exist.`);
		},
	);

	test("a credential in an unknown path is redacted from the message", async () => {
		const res = await h.call("GET", `/v3/apikeys/${h.seed.restApiKey}/extra`, { key: h.seed.restApiKey });
		await expectError(res, 404, "ERR_API_NOT_FOUND", "The endpoint GET /v3/apikeys/[redacted]/extra does not exist.");
	});

	test("/healthz answers without credentials", async () => {
		await expectResponse(await h.app.request("/healthz"), 200, { data: { status: "ok" } });
	});
});

describe("wrong methods", () => {
	async function paths(): Promise<Array<{ path: string; allow: string[]; token?: boolean }>> {
		const token = await mintToken(h, "superhero1");
		return [
			{ path: "/v3/users", allow: ["GET", "POST", "PUT", "DELETE"] },
			{ path: "/v3/users/superhero1", allow: ["GET", "PUT", "DELETE"] },
			{ path: "/v3/users/superhero1/auth_tokens", allow: ["GET", "POST", "DELETE"] },
			{ path: `/v3/users/superhero1/auth_tokens/${token.id}`, allow: ["GET", "PUT", "DELETE"] },
			{ path: "/v3/users/superhero1/auth_tokens/revoke", allow: ["POST"] },
			{ path: "/v3/auth_tokens/revoke", allow: ["POST"] },
			{ path: "/v3/apikeys", allow: ["GET", "POST"] },
			{ path: `/v3/apikeys/${credentialId(h.seed.authKey)}`, allow: ["GET", "PUT", "DELETE"] },
			{ path: "/v3.0/me", allow: ["GET", "PUT", "DELETE"], token: true },
			{ path: "/v3.0/settings", allow: ["GET"], token: true },
			{ path: "/v3.0/user_sessions", allow: ["POST"], token: true },
		];
	}

	test("every resource answers 405 ERR_METHOD_NOT_ALLOWED with an Allow header", async () => {
		const token = await mintToken(h, "superhero2");
		for (const route of await paths()) {
			for (const method of ["PATCH", ...["GET", "PUT", "POST", "DELETE"].filter((m) => !route.allow.includes(m))]) {
				const res = await h.call(
					method,
					route.path,
					route.token ? { token: token.authToken } : { key: h.seed.restApiKey },
				);
				expect({ path: route.path, method, allow: res.headers.get("allow") }).toEqual({
					path: route.path,
					method,
					allow: [...route.allow, "OPTIONS"].join(", "),
				});
				await expectError(res, 405, "ERR_METHOD_NOT_ALLOWED", `The method ${method} is not allowed on this endpoint.`, {
					allowed: route.allow,
				});
			}
		}
	});

	test("a wrong method on /users needs no credential to be told 405", async () => {
		const res = await h.call("PATCH", "/v3/users");
		await expectError(res, 405, "ERR_METHOD_NOT_ALLOWED", "The method PATCH is not allowed on this endpoint.", {
			allowed: ["GET", "POST", "PUT", "DELETE"],
		});
	});

	test("a wrong method on /apikeys and /me checks the credential first", async () => {
		await expectError(
			await h.call("PATCH", "/v3/apikeys"),
			401,
			"AUTH_ERR_EMPTY_APIKEY",
			"The apiKey is missing in the headers.",
		);
		await expectError(
			await h.call("PATCH", "/v3.0/me"),
			401,
			"AUTH_ERR_EMPTY_AUTH_TOKEN",
			"The authToken is missing in the headers.",
		);
		await expectError(
			await h.call("PATCH", "/v3/apikeys", { key: h.seed.authKey }),
			403,
			"AUTH_ERR_NO_ACCESS",
			expect.any(String),
		);
	});
});

describe("request bodies", () => {
	test.each([
		["an array", "[1,2]"],
		["a string", '"uid"'],
		["a number", "42"],
		["null", "null"],
	])("%s as JSON body is 400 ERR_BAD_REQUEST", async (_label, body) => {
		const res = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body });
		await expectError(res, 400, "ERR_BAD_REQUEST", "The request body must be a JSON object.", {
			body: ["The request body must be a JSON object."],
		});
	});

	test.each(["{", "{'uid':'x'}", "uid=x&name=y", '{"uid":"x",}'])(
		"malformed JSON %s is 400 ERR_BAD_REQUEST",
		async (body) => {
			const res = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body });
			await expectError(res, 400, "ERR_BAD_REQUEST", "The request body is not valid JSON.", {
				body: ["The request body must be valid JSON."],
			});
		},
	);

	test("an empty or blank body is an empty object", async () => {
		await expectError(
			await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: "  " }),
			400,
			"ERR_BAD_REQUEST",
			"Failed to validate the data sent with the request.",
			{ uid: ["The uid field is required."], name: ["The name field is required."] },
		);
	});

	function paddedBody(bytes: number): string {
		const base = JSON.stringify({ uid: "padded", name: "P", pad: "" });
		return JSON.stringify({ uid: "padded", name: "P", pad: "x".repeat(bytes - base.length) });
	}

	test("a body of exactly 10 KB is accepted; unknown fields are ignored", async () => {
		const body = paddedBody(10 * 1024);
		expect(Buffer.byteLength(body)).toBe(10 * 1024);
		const res = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body });
		expect(res.status).toBe(200);
		expect(await readJSON(res)).toEqual({
			data: { uid: "padded", name: "P", status: "offline", role: "default", createdAt: expect.any(Number) },
		});
	});

	test("a body one byte over 10 KB is 413 ERR_PAYLOAD_TOO_LARGE, on every route", async () => {
		const body = paddedBody(10 * 1024 + 1);
		const token = await mintToken(h, "superhero1");
		for (const [method, path, credential] of [
			["POST", "/v3/users", { key: h.seed.restApiKey }],
			["PUT", "/v3/users/superhero1", { key: h.seed.restApiKey }],
			["POST", "/v3/users/superhero1/auth_tokens", { key: h.seed.authKey }],
			["POST", "/v3/apikeys", { key: h.seed.restApiKey }],
			["PUT", "/v3.0/me", { token: token.authToken }],
		] as const) {
			const res = await h.call(method, path, { ...credential, body });
			await expectError(res, 413, "ERR_PAYLOAD_TOO_LARGE", "The request body may not be larger than 10 KB.", {
				maxBytes: 10 * 1024,
			});
		}
		expect((await h.call("GET", "/v3/users/padded", { key: h.seed.restApiKey })).status).toBe(404);
	});

	test("the size limit comes before the app and credential checks", async () => {
		const res = await h.app.request("/v3/users", { method: "POST", body: paddedBody(10 * 1024 + 1) });
		await expectError(res, 413, "ERR_PAYLOAD_TOO_LARGE", "The request body may not be larger than 10 KB.", {
			maxBytes: 10 * 1024,
		});
	});

	test("a declared Content-Length over 10 KB is 413 before the body is read; one within it is served", async () => {
		const big = paddedBody(10 * 1024 + 1);
		const refused = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: big,
			headers: { "content-length": String(big.length) },
		});
		await expectError(refused, 413, "ERR_PAYLOAD_TOO_LARGE", "The request body may not be larger than 10 KB.", {
			maxBytes: 10 * 1024,
		});
		const small = JSON.stringify({ uid: "declared", name: "D" });
		const created = await h.call("POST", "/v3/users", {
			key: h.seed.restApiKey,
			body: small,
			headers: { "content-length": String(small.length) },
		});
		expect(created.status).toBe(200);
	});

	test("a body over 10 KB without Content-Length (streamed) is 413 too", async () => {
		const bytes = new TextEncoder().encode(paddedBody(20 * 1024));
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(bytes.slice(0, 5000));
				controller.enqueue(bytes.slice(5000));
				controller.close();
			},
		});
		const init = {
			method: "POST",
			headers: { appid: h.seed.app.id, apikey: h.seed.restApiKey },
			body: stream,
			duplex: "half",
		};
		const res = await h.app.request("/v3/users", init as RequestInit);
		await expectError(res, 413, "ERR_PAYLOAD_TOO_LARGE", "The request body may not be larger than 10 KB.", {
			maxBytes: 10 * 1024,
		});
	});
});

describe("error precedence", () => {
	test("app before key, key before scope, scope before existence", async () => {
		await expectError(
			await h.call("GET", "/v3/users/nobody", { headers: { appid: "nope0000" } }),
			401,
			"AUTH_ERR_INVALID_APPID",
			"The appId nope0000 does not exist.",
		);
		await expectError(
			await h.call("GET", "/v3/users/nobody"),
			401,
			"AUTH_ERR_EMPTY_APIKEY",
			"The apiKey is missing in the headers.",
		);
		expect((await h.call("GET", "/v3/users/nobody", { key: h.seed.authKey })).status).toBe(403);
		expect((await h.call("GET", "/v3/users/nobody", { key: h.seed.restApiKey })).status).toBe(404);
	});

	test("body validation before resource existence", async () => {
		const invalid = { platform: "p".repeat(51) };
		const cases: Array<[string, string, unknown]> = [
			["PUT", "/v3/users/nobody", { name: 5 }],
			["POST", "/v3/users/nobody/auth_tokens", invalid],
			["PUT", "/v3/users/nobody/auth_tokens/lkat_00000000000000000000", invalid],
			["PUT", "/v3/apikeys/lkak_00000000000000000000", { scope: "root" }],
		];
		for (const [method, path, body] of cases) {
			const res = await h.call(method, path, { key: h.seed.restApiKey, body });
			expect({
				path,
				status: res.status,
				code: ((await readJSON(res)) as { error: { code: string } }).error.code,
			}).toEqual({
				path,
				status: 400,
				code: "ERR_BAD_REQUEST",
			});
		}
	});
});

describe("internal errors", () => {
	function failingApp(lines: string[] | null): ReturnType<typeof createApp> {
		const failing: Store = Object.create(h.store) as Store;
		failing.getUser = async () => {
			throw new Error(`connection refused to postgres://admin:hunter2@db/${h.seed.restApiKey}`);
		};
		const logger = lines ? pino({ level: "info" }, { write: (line: string) => void lines.push(line) }) : h.deps.logger;
		return createApp({ ...h.deps, store: failing, logger });
	}

	test("a thrown store error is 500 ERR_INTERNAL with no stack and no secret", async () => {
		const res = await failingApp(null).request("/v3/users/superhero1", {
			headers: { appid: h.seed.app.id, apikey: h.seed.restApiKey },
		});
		const text = await res.clone().text();
		expect(text).not.toContain("hunter2");
		expect(text).not.toContain(h.seed.restApiKey);
		expect(text).not.toContain("at ");
		await expectResponse(
			res,
			500,
			errorBody("ERR_INTERNAL", "Something went wrong on our side. Please try again later."),
		);
	});

	test("the internal error is logged for operators", async () => {
		const lines: string[] = [];
		await failingApp(lines).request("/v3/users/superhero1", {
			headers: { appid: h.seed.app.id, apikey: h.seed.restApiKey },
		});
		const entries = lines.map((line) => JSON.parse(line) as { msg: string; status?: number });
		expect(entries.map((entry) => entry.msg)).toEqual(["unhandled error", "request"]);
		expect(entries[1]?.status).toBe(500);
	});
});

describe("access log", () => {
	test("token- and key-bearing paths are redacted", async () => {
		const { logger, lines } = captureLogger();
		const app = createApp({ ...h.deps, logger });
		const token = await mintToken(h, "superhero1");
		const headers = { appid: h.seed.app.id, apikey: h.seed.restApiKey };
		await app.request(`/v3/users/superhero1/auth_tokens/${token.authToken}`, { headers });
		await app.request(`/v3/apikeys/${h.seed.authKey}`, { headers });
		const paths = lines.map((line) => (JSON.parse(line) as { path: string }).path);
		expect(paths).toEqual(["/v3/users/superhero1/auth_tokens/[redacted]", "/v3/apikeys/[redacted]"]);
		const all = lines.join("\n");
		expect(all).not.toContain(token.authToken);
		expect(all).not.toContain(h.seed.authKey);
		expect(all).not.toContain(h.seed.restApiKey);
	});
});

describe("CORS", () => {
	test("a preflight for the SDK's headers is allowed from any origin", async () => {
		const res = await h.app.request("/v3.0/users/superhero1/auth_tokens", {
			method: "OPTIONS",
			headers: {
				origin: "https://app.example.test",
				"access-control-request-method": "POST",
				"access-control-request-headers": SDK_HEADERS,
			},
		});
		expect(res.status).toBe(204);
		expect(res.headers.get("access-control-allow-origin")).toBe("*");
		expect(res.headers.get("access-control-allow-methods")).toBe("GET,POST,PUT,DELETE,OPTIONS");
		const allowed = (res.headers.get("access-control-allow-headers") ?? "").split(",");
		expect(allowed).toEqual(expect.arrayContaining(SDK_HEADERS.split(",")));
		expect(res.headers.get("access-control-max-age")).toBe("86400");
	});

	test("a preflight needs no app id or credential", async () => {
		const res = await h.app.request("/v3.0/me", {
			method: "OPTIONS",
			headers: { origin: "https://app.example.test", "access-control-request-method": "PUT" },
		});
		expect(res.status).toBe(204);
	});

	test("answers, errors included, carry Access-Control-Allow-Origin", async () => {
		const ok = await h.call("GET", "/v3/users", { key: h.seed.restApiKey, headers: { origin: "https://a.test" } });
		expect(ok.headers.get("access-control-allow-origin")).toBe("*");
		const refused = await h.call("GET", "/v3/users", { headers: { origin: "https://a.test" } });
		expect(refused.status).toBe(401);
		expect(refused.headers.get("access-control-allow-origin")).toBe("*");
	});

	test("the dashboard is not opened to other origins", async () => {
		const page = await h.app.request("/dashboard/login", { headers: { origin: "https://evil.test" } });
		expect(page.headers.get("access-control-allow-origin")).toBeNull();
		const preflight = await h.app.request("/dashboard/login", {
			method: "OPTIONS",
			headers: { origin: "https://evil.test", "access-control-request-method": "POST" },
		});
		expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
	});
});

describe("versions and apps", () => {
	test("/v3 and /v3.0 are the same API", async () => {
		const a = (await readJSON(await h.call("GET", "/v3/users/superhero1", { key: h.seed.restApiKey }))) as unknown;
		const b = (await readJSON(await h.call("GET", "/v3.0/users/superhero1", { key: h.seed.restApiKey }))) as unknown;
		expect(a).toEqual(b);
		const token = await mintToken(h, "superhero1");
		expect((await h.call("GET", "/v3/me", { token: token.authToken })).status).toBe(200);
	});

	test("answers are JSON", async () => {
		const res = await h.call("GET", "/v3/users", { key: h.seed.restApiKey });
		expect(res.headers.get("content-type")).toMatch(/^application\/json/);
	});

	test("the app comes from the first host label when there is no appid header", async () => {
		const res = await h.app.request("/v3/users/superhero1", {
			headers: { host: `${h.seed.app.id}.api-us.example`, apikey: h.seed.restApiKey },
		});
		expect(res.status).toBe(200);
	});

	test("the appid header wins over the host", async () => {
		const res = await h.app.request("/v3/users/superhero1", {
			headers: { host: "other.api-us.example", appid: h.seed.app.id, apikey: h.seed.restApiKey },
		});
		expect(res.status).toBe(200);
	});

	test("no appid header and a host naming no app is 401 AUTH_ERR_EMPTY_APPID", async () => {
		const res = await h.app.request("/v3/users/superhero1", {
			headers: { host: "localhost:8080", apikey: h.seed.restApiKey },
		});
		await expectError(res, 401, "AUTH_ERR_EMPTY_APPID", "The appId is missing in the headers.");
	});

	test("an unknown appid is 401 AUTH_ERR_INVALID_APPID", async () => {
		const res = await h.call("GET", "/v3/users", { key: h.seed.restApiKey, headers: { appid: "0000000000000000" } });
		await expectError(res, 401, "AUTH_ERR_INVALID_APPID", "The appId 0000000000000000 does not exist.");
	});

	test("header names are case-insensitive (the SDK sends apiKey and appId)", async () => {
		const res = await h.app.request("/v3/users", { headers: { appId: h.seed.app.id, apiKey: h.seed.restApiKey } });
		expect(res.status).toBe(200);
	});
});
