import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { WebSocket } from "ws";
import { verifyRealtimeJWT } from "../../server/src/domain/jwt.ts";
import type { AppSettingsBuilder } from "../src/app-settings.ts";
import { CometChat } from "../src/comet-chat.ts";
import { createMemoryStorage, type SessionStorage } from "../src/session-storage.ts";
import type { WebSocketLike } from "../src/websocket.ts";
import {
	createTestServer,
	createTestSettings,
	getDeviceId,
	type LoginEventRecord,
	ManualTimers,
	recordLoginEvents,
	type TestServer,
	waitFor,
} from "./helpers.ts";
import { StubRealtimeServer } from "./stub-realtime-server.ts";

let server: TestServer;
let stub: StubRealtimeServer;
let timers: ManualTimers;
let storage: SessionStorage;
let loginEvents: LoginEventRecord[];
let connectionEvents: string[];

function settings(): AppSettingsBuilder {
	return createTestSettings(server)
		.setStorage(storage)
		.setTimers(timers)
		.setWebSocket(stub.factory)
		.setRealtimeOptions({ random: () => 0.5 })
		.autoEstablishSocketConnection(true);
}

/** Ping and auth deadlines that no backoff delay can equal, so the one pending reconnect timer is easy to find. */
const DISTINCT_TIMEOUTS = { random: () => 0.5, pingIntervalMs: 60_000, authTimeoutMs: 20_000 };

function getReconnectDelays(): number[] {
	return timers.delays().filter((ms) => ms !== 60_000 && ms !== 20_000);
}

async function waitForReconnectTimer(label: string): Promise<number> {
	await waitFor(() => getReconnectDelays().length === 1, label);
	return getReconnectDelays()[0] ?? -1;
}

async function loginConnected(builder: AppSettingsBuilder = settings()): Promise<void> {
	await CometChat.init(server.h.seed.app.id, builder.build());
	await CometChat.login("superhero1", server.h.seed.authKey);
	await waitFor(() => CometChat.getConnectionStatus() === "connected", "onConnected");
}

beforeEach(async () => {
	server = await createTestServer();
	stub = await StubRealtimeServer.start();
	timers = new ManualTimers();
	storage = createMemoryStorage();
	loginEvents = [];
	connectionEvents = [];
	CometChat.addLoginListener("test", new CometChat.LoginListener(recordLoginEvents(loginEvents)));
	CometChat.addConnectionListener(
		"test",
		new CometChat.ConnectionListener({
			onConnected: () => connectionEvents.push("onConnected"),
			inConnecting: () => connectionEvents.push("inConnecting"),
			onDisconnected: () => connectionEvents.push("onDisconnected"),
		}),
	);
});

afterEach(async () => {
	CometChat.disconnect();
	CometChat.removeLoginListener("test");
	CometChat.removeConnectionListener("test");
	await stub.close();
	await server.close();
});

describe("connecting", () => {
	test("after login opens ws://CHAT_HOST:CHAT_WSS_PORT and sends the official SDK's auth frame", async () => {
		await loginConnected();
		expect(stub.requestedURLs).toEqual(["ws://chat.example.test:8443"]);
		const connection = await stub.waitForAuthenticated(1);
		const resource = server.requests[0]?.headers.resource;
		const frame = connection.frames[0] as { body: { auth: string } };
		expect(frame).toEqual({
			appId: server.h.seed.app.id,
			deviceId: resource,
			type: "auth",
			sender: "superhero1",
			body: {
				auth: frame.body.auth,
				deviceId: resource,
				params: {
					appInfo: { version: "0.1.0", apiVersion: "v3.0", origin: "", uts: expect.any(Number) },
					userAgent: "latchkey-chat-sdk/0.1.0",
					deviceId: getDeviceId(server.requests[0]),
					platform: "javascript",
				},
			},
		});
		const session = await verifyRealtimeJWT(server.h.deps, frame.body.auth);
		expect(session?.user.uid).toBe("superhero1");
		expect(connectionEvents).toEqual(["inConnecting", "onConnected"]);
	});

	test("is connected only once the server accepts the auth frame", async () => {
		stub.behaviour.authReply = { type: "auth", body: { code: "401", status: "ERROR" } };
		await CometChat.init(server.h.seed.app.id, settings().build());
		await CometChat.login("superhero1", server.h.seed.authKey);
		const connection = await stub.waitForAuthenticated(1);
		expect(CometChat.getConnectionStatus()).toBe("connecting");
		expect(timers.delays()).toEqual([10_000]);
		timers.advance(10_000);
		expect((await connection.waitForClose()).code).toBe(4000);
		expect(timers.delays()).toEqual([250]);
		expect(connectionEvents).toEqual(["inConnecting"]);
	});

	test("presence subscriptions travel in the auth frame", async () => {
		await CometChat.init(server.h.seed.app.id, settings().subscribePresenceForRoles(["agent"]).build());
		await CometChat.login("superhero1", server.h.seed.authKey);
		const connection = await stub.waitForAuthenticated(1);
		expect(connection.frames[0]?.body).toMatchObject({ presenceSubscription: "ROLES", roles: ["agent"] });
	});

	test("a restored session connects at init", async () => {
		await loginConnected();
		CometChat.disconnect();
		await CometChat.init(server.h.seed.app.id, settings().build());
		await stub.waitForAuthenticated(2);
		await waitFor(() => CometChat.getConnectionStatus() === "connected", "onConnected after restore");
	});

	test("with autoEstablishSocketConnection(false) only connect() opens it, and disconnect() closes it for good", async () => {
		await CometChat.init(server.h.seed.app.id, settings().autoEstablishSocketConnection(false).build());
		await CometChat.login("superhero1", server.h.seed.authKey);
		expect(stub.requestedURLs).toEqual([]);
		expect(CometChat.getConnectionStatus()).toBe("disconnected");
		await CometChat.connect();
		const connection = await stub.waitForAuthenticated(1);
		await waitFor(() => CometChat.getConnectionStatus() === "connected", "onConnected");
		CometChat.disconnect();
		expect(await connection.waitForClose()).toEqual({ code: 1000, reason: "User logged out" });
		expect(CometChat.getConnectionStatus()).toBe("disconnected");
		expect(timers.delays()).toEqual([]);
		expect(connectionEvents).toEqual(["inConnecting", "onConnected", "onDisconnected"]);
	});
});

describe("keepalive", () => {
	test("pings every 15 s; a pong within 3 s keeps the socket", async () => {
		await loginConnected();
		const connection = await stub.waitForAuthenticated(1);
		expect(timers.delays()).toEqual([15_000]);
		timers.advance(15_000);
		await connection.waitForFrame((frame) => frame.action === "ping", "the ping");
		expect(connection.frames[1]).toEqual({ action: "ping", ack: "true" });
		await waitFor(() => !timers.delays().includes(3_000), "the pong to clear the deadline");
		timers.advance(15_000);
		await waitFor(() => connection.frames.length === 3, "the second ping");
		expect(stub.connections).toHaveLength(1);
		expect(CometChat.getConnectionStatus()).toBe("connected");
	});

	test("no pong within 3 s drops the socket and reconnects after the backoff delay", async () => {
		stub.behaviour.answerPings = false;
		await loginConnected();
		const first = await stub.waitForAuthenticated(1);
		timers.advance(15_000);
		await first.waitForFrame((frame) => frame.action === "ping", "the ping");
		timers.advance(3_000);
		expect(await first.waitForClose()).toEqual({ code: 4000, reason: "keepalive timeout" });
		expect(CometChat.getConnectionStatus()).toBe("disconnected");
		expect(timers.delays()).toEqual([250]);
		timers.advance(250);
		await stub.waitForAuthenticated(2);
		await waitFor(() => CometChat.getConnectionStatus() === "connected", "the reconnect");
		expect(connectionEvents).toEqual(["inConnecting", "onConnected", "onDisconnected", "inConnecting", "onConnected"]);
	});

	test("the intervals are configurable", async () => {
		await CometChat.init(
			server.h.seed.app.id,
			settings().setRealtimeOptions({ pingIntervalMs: 1_000, pongTimeoutMs: 200 }).build(),
		);
		stub.behaviour.answerPings = false;
		await CometChat.login("superhero1", server.h.seed.authKey);
		await waitFor(() => CometChat.getConnectionStatus() === "connected", "onConnected");
		expect(timers.delays()).toEqual([1_000]);
		timers.advance(1_000);
		expect(timers.delays()).toEqual([200, 1_000]);
	});
});

describe("reconnect backoff", () => {
	test("doubles from 500 ms up to the 30 s cap with full jitter, and resets after a good auth", async () => {
		await loginConnected(settings().setRealtimeOptions(DISTINCT_TIMEOUTS));
		stub.behaviour.closeOnAuth = 1011;
		stub.connections[0]?.socket.close(1001, "going away");
		const delays: number[] = [];
		for (let attempt = 0; attempt < 8; attempt++) {
			const delay = await waitForReconnectTimer(`reconnect timer #${attempt}`);
			delays.push(delay);
			timers.advance(delay);
			const connection = await stub.waitForAuthenticated(attempt + 2);
			await connection.waitForClose();
		}
		// random() = 0.5, so each delay is half its ceiling: min(30 000, 500 · 2^n) / 2.
		expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
		stub.behaviour.closeOnAuth = null;
		timers.advance(await waitForReconnectTimer("the last reconnect timer"));
		await waitFor(() => CometChat.getConnectionStatus() === "connected", "a good connection");
		stub.connections.at(-1)?.socket.close(1001, "going away");
		expect(await waitForReconnectTimer("the reset delay")).toBe(250);
	});

	test("a refused connection keeps retrying while the status stays connecting", async () => {
		const closed = await StubRealtimeServer.start();
		const deadPort = closed.port;
		await closed.close();
		const urls: string[] = [];
		await CometChat.init(
			server.h.seed.app.id,
			settings()
				.setWebSocket((url) => {
					urls.push(url);
					return new WebSocket(`ws://127.0.0.1:${deadPort}`) as unknown as WebSocketLike;
				})
				.build(),
		);
		await CometChat.login("superhero1", server.h.seed.authKey);
		await waitFor(() => timers.delays().length === 1, "the first retry");
		expect(timers.delays()).toEqual([250]);
		timers.advance(250);
		await waitFor(() => timers.delays().length === 1 && timers.delays()[0] === 500, "the second retry");
		expect(CometChat.getConnectionStatus()).toBe("connecting");
		expect(connectionEvents).toEqual(["inConnecting"]);
		expect(urls).toHaveLength(2);
	});

	for (const [code, label] of [
		[4003, "no auth frame in time (4003)"],
		[1001, "server going away (1001)"],
		[1006, "abnormal closure"],
	] as const) {
		test(`${label} reconnects`, async () => {
			await loginConnected(settings().setRealtimeOptions(DISTINCT_TIMEOUTS));
			const connection = stub.connections[0];
			if (code === 1006) connection?.socket.terminate();
			else connection?.socket.close(code, "stub");
			expect(await waitForReconnectTimer("the reconnect timer")).toBe(250);
			timers.advance(250);
			await stub.waitForAuthenticated(2);
			await waitFor(() => CometChat.getConnectionStatus() === "connected", "the reconnect");
			expect(loginEvents).toEqual([["loginSuccess", "superhero1"]]);
		});
	}
});

describe("close codes that end the session", () => {
	for (const [code, reason, expected] of [
		[4001, "user_deleted", "user_deleted"],
		[4001, "logged_out", "logged_out"],
		[4001, "expired", "expired"],
		[4001, "revoked", "revoked"],
		[4001, "something-new", "revoked"],
		[4002, "auth_failed", "revoked"],
	] as const) {
		test(`${code} "${reason}" fires sessionRevoked("${expected}") then logoutSuccess, clears the session, never reconnects`, async () => {
			await loginConnected();
			stub.connections[0]?.socket.close(code, reason);
			await waitFor(() => loginEvents.length === 3, "the logout events");
			expect(loginEvents).toEqual([["loginSuccess", "superhero1"], ["sessionRevoked", expected], ["logoutSuccess"]]);
			expect(await CometChat.getLoggedinUser()).toBeNull();
			expect(await storage.read(server.h.seed.app.id)).not.toContain("lkat_");
			expect(CometChat.getConnectionStatus()).toBe("disconnected");
			expect(connectionEvents).toEqual(["inConnecting", "onConnected", "onDisconnected"]);
			expect(timers.delays()).toEqual([]);
			timers.advance(120_000);
			expect(stub.connections).toHaveLength(1);
		});
	}

	test("a revocation after a profile update still ends the session", async () => {
		await loginConnected();
		await CometChat.updateCurrentUserDetails(new CometChat.User("superhero1", "Tony"));
		stub.connections[0]?.socket.close(4001, "revoked");
		await waitFor(() => loginEvents.length === 3, "the logout events");
		expect(loginEvents).toEqual([["loginSuccess", "superhero1"], ["sessionRevoked", "revoked"], ["logoutSuccess"]]);
		expect(await CometChat.getLoggedinUser()).toBeNull();
	});

	test("logout() closes with 1000 first, so the server's own close is no revocation", async () => {
		await loginConnected();
		const connection = stub.connections[0];
		await CometChat.logout();
		expect(await connection?.waitForClose()).toEqual({ code: 1000, reason: "User logged out" });
		expect(loginEvents).toEqual([["loginSuccess", "superhero1"], ["logoutSuccess"]]);
		expect(timers.delays()).toEqual([]);
	});
});
