import { afterEach, describe, expect, test } from "vitest";
import { AppSettingsBuilder, type FetchFunction } from "../src/app-settings.ts";
import { CometChat } from "../src/comet-chat.ts";
import { getBaseURL, parseRetryAfterMs } from "../src/http.ts";
import { createMemoryStorage } from "../src/session-storage.ts";
import { createTestServer, ManualTimers, rejectionOf, type TestServer, waitFor } from "./helpers.ts";

const FAILED_TO_FETCH_MESSAGE =
	"There is an unknown issue with the API request. Please check your internet connection and verify the api call.";

function settingsWith(fetch: FetchFunction): AppSettingsBuilder {
	return new AppSettingsBuilder()
		.overrideAdminHost("http://latchkey.test/v3.0")
		.overrideClientHost("http://latchkey.test/v3.0")
		.setStorage(createMemoryStorage())
		.autoEstablishSocketConnection(false)
		.setFetch(fetch);
}

let server: TestServer | null = null;
afterEach(async () => {
	await server?.close();
	server = null;
});

describe("request timeout", () => {
	test("a request that never answers rejects with REQUEST_TIMEOUT after 15 s and aborts the fetch", async () => {
		const timers = new ManualTimers();
		let signal: AbortSignal | undefined;
		await CometChat.init(
			"app1",
			settingsWith((_input, init) => {
				signal = init.signal ?? undefined;
				return new Promise<Response>(() => {});
			})
				.setTimers(timers)
				.build(),
		);
		const login = rejectionOf(CometChat.login("alice", "key"));
		await waitFor(() => signal !== undefined, "the fetch");
		expect(timers.delays()).toEqual([15_000]);
		timers.advance(15_000);
		expect(await login).toEqual({
			code: "REQUEST_TIMEOUT",
			name: "REQUEST_TIMEOUT",
			message: "POST /v3.0/users/alice/auth_tokens did not answer within 15000 ms.",
			details: {},
			status: 0,
			retryAfterMs: null,
		});
		expect(signal?.aborted).toBe(true);
		expect(timers.delays()).toEqual([]);
	});

	test("the timeout is configurable", async () => {
		const timers = new ManualTimers();
		let started = false;
		await CometChat.init(
			"app1",
			settingsWith(() => {
				started = true;
				return new Promise<Response>(() => {});
			})
				.setTimers(timers)
				.setRequestTimeout(500)
				.build(),
		);
		const login = rejectionOf(CometChat.login("token"));
		await waitFor(() => started, "the fetch");
		expect(timers.delays()).toEqual([500]);
		timers.advance(500);
		expect(await login).toMatchObject({ code: "REQUEST_TIMEOUT", status: 0 });
	});

	test("an answered request leaves no timer behind", async () => {
		server = await createTestServer();
		const timers = new ManualTimers();
		await CometChat.init(server.h.seed.app.id, settingsWith(server.fetch).setTimers(timers).build());
		await CometChat.login("superhero1", server.h.seed.authKey);
		expect(timers.delays()).toEqual([]);
	});
});

describe("answers that are not an envelope", () => {
	const cases: Array<[string, () => Response, number]> = [
		["an HTML 502 page", () => new Response("<html>Bad gateway</html>", { status: 502 }), 502],
		["JSON with neither data nor error", () => Response.json({ foo: 1 }), 200],
		["an error that is a string", () => Response.json({ error: "boom" }, { status: 500 }), 500],
	];
	for (const [label, respond, status] of cases) {
		test(`${label} rejects with FAILED_TO_FETCH and status ${status}`, async () => {
			await CometChat.init("app1", settingsWith(async () => respond()).build());
			expect(await rejectionOf(CometChat.login("alice", "key"))).toEqual({
				code: "FAILED_TO_FETCH",
				name: "FAILED_TO_FETCH",
				message: FAILED_TO_FETCH_MESSAGE,
				details: {},
				status,
				retryAfterMs: null,
			});
		});
	}

	test("a network failure rejects with FAILED_TO_FETCH and status 0", async () => {
		await CometChat.init(
			"app1",
			settingsWith(async () => {
				throw new TypeError("fetch failed");
			}).build(),
		);
		expect(await rejectionOf(CometChat.login("alice", "key"))).toMatchObject({ code: "FAILED_TO_FETCH", status: 0 });
	});

	test("a success without the token rejects instead of storing a session", async () => {
		await CometChat.init("app1", settingsWith(async () => Response.json({ data: { uid: "alice" } })).build());
		expect(await rejectionOf(CometChat.login("alice", "key"))).toEqual({
			code: "FAILED_TO_FETCH",
			name: "FAILED_TO_FETCH",
			message: "The server's answer is missing required fields.",
			details: {},
			status: 0,
			retryAfterMs: null,
		});
		expect(await CometChat.getLoggedinUser()).toBeNull();
	});
});

describe("rate limits", () => {
	test("a 429 carries its status and Retry-After in milliseconds", async () => {
		const body = { error: { code: "ERR_TOO_MANY_REQUESTS", message: "Slow down.", details: { limit: 10 } } };
		await CometChat.init(
			"app1",
			settingsWith(async () => Response.json(body, { status: 429, headers: { "Retry-After": "7" } })).build(),
		);
		expect(await rejectionOf(CometChat.login("alice", "key"))).toEqual({
			code: "ERR_TOO_MANY_REQUESTS",
			name: "ERR_TOO_MANY_REQUESTS",
			message: "Slow down.",
			details: { limit: 10 },
			status: 429,
			retryAfterMs: 7000,
		});
	});

	test("parseRetryAfterMs() reads seconds and HTTP dates, and null otherwise", () => {
		const now = Date.UTC(2026, 0, 1);
		expect(parseRetryAfterMs("120", now)).toBe(120_000);
		expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
		expect(parseRetryAfterMs("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
		expect(parseRetryAfterMs("soon", now)).toBeNull();
		expect(parseRetryAfterMs(null, now)).toBeNull();
	});
});

describe("hosts", () => {
	const routing = { appId: "app1", region: "eu", adminHost: null, clientHost: null, serverSettings: null };

	test("without overrides, CometChat's default hosts per region", () => {
		expect(getBaseURL(routing, "admin")).toBe("https://app1.api-eu.cometchat.io/v3.0");
		expect(getBaseURL(routing, "client")).toBe("https://app1.apiclient-eu.cometchat.io/v3.0");
		expect(getBaseURL({ ...routing, region: "private" }, "client")).toBe(
			"https://app1.apiclient-app1.cometchat.io/v3.0",
		);
	});

	test("an override without a scheme is https; an explicit http:// is kept", () => {
		const settings = new AppSettingsBuilder()
			.overrideAdminHost("chat.example.com/v3.0/")
			.overrideClientHost("http://127.0.0.1:3000/v3.0")
			.build();
		const withOverrides = { ...routing, adminHost: settings.adminHost, clientHost: settings.clientHost };
		expect(getBaseURL(withOverrides, "admin")).toBe("https://chat.example.com/v3.0");
		expect(getBaseURL(withOverrides, "client")).toBe("http://127.0.0.1:3000/v3.0");
	});

	test("the server's settings win over the overrides, keeping each side's scheme", () => {
		const settings = new AppSettingsBuilder().overrideClientHost("http://127.0.0.1:3000/v3.0").build();
		const serverSettings = { ADMIN_API_HOST: "a.test", CLIENT_API_HOST: "c.test:8080/base", CHAT_API_VERSION: "v3.0" };
		const withSettings = { ...routing, clientHost: settings.clientHost, serverSettings };
		expect(getBaseURL(withSettings, "admin")).toBe("https://a.test/v3.0");
		expect(getBaseURL(withSettings, "client")).toBe("http://c.test:8080/base/v3.0");
	});

	test("setRegion lower-cases, and the default host uses it", async () => {
		const urls: string[] = [];
		await CometChat.init(
			"app1",
			new AppSettingsBuilder()
				.setRegion("US")
				.setStorage(createMemoryStorage())
				.setFetch(async (input) => {
					urls.push(input);
					return Response.json({ error: { code: "ERR_UID_NOT_FOUND", message: "no" } }, { status: 404 });
				})
				.build(),
		);
		await rejectionOf(CometChat.login("alice", "key"));
		expect(urls).toEqual(["https://app1.api-us.cometchat.io/v3.0/users/alice/auth_tokens"]);
	});
});
