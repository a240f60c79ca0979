import { createServer } from "node:net";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { WebSocket } from "ws";
import { readConfig } from "../../server/src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../../server/src/domain/apps.ts";
import { systemClock } from "../../server/src/domain/clock.ts";
import { noEvents } from "../../server/src/events/bus.ts";
import { type RunningServer, startServer } from "../../server/src/serve.ts";
import type { KyselyStore } from "../../server/src/store/kysely-store.ts";
import { openTestStore } from "../../server/test/stores.ts";
import { AppSettingsBuilder } from "../src/app-settings.ts";
import { CometChat } from "../src/comet-chat.ts";
import { createMemoryStorage, type SessionStorage } from "../src/session-storage.ts";
import type { WebSocketLike } from "../src/websocket.ts";
import { type LoginEventRecord, recordLoginEvents, waitFor } from "./helpers.ts";

/** A port free right now, so the server's public URL (and so CHAT_WSS_PORT in /me) can name it up front. */
async function getFreePort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
	const address = probe.address();
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	if (address === null || typeof address === "string") throw new Error("no port");
	return address.port;
}

let store: KyselyStore;
let running: RunningServer;
let seed: CreatedApp;
let base: string;
let storage: SessionStorage;
let events: LoginEventRecord[];

beforeEach(async () => {
	store = await openTestStore("sqlite");
	seed = await createLatchkeyApp({ store, clock: systemClock, events: noEvents }, { name: "SDK app" });
	const port = await getFreePort();
	const config = readConfig({ PORT: String(port), LATCHKEY_LOG_LEVEL: "silent" }, process.cwd());
	running = await startServer({ config, store, clock: systemClock, logger: pino({ level: "silent" }) });
	base = `http://127.0.0.1:${running.port}/v3.0`;
	storage = createMemoryStorage();
	events = [];
	CometChat.addLoginListener("test", new CometChat.LoginListener(recordLoginEvents(events)));
});

afterEach(async () => {
	CometChat.disconnect();
	CometChat.removeLoginListener("test");
	await running.close();
	await store.close();
});

function settings(): AppSettingsBuilder {
	return new AppSettingsBuilder().overrideAdminHost(base).overrideClientHost(base).setStorage(storage);
}

async function callServer(method: string, path: string, headers: Record<string, string>): Promise<number> {
	const res = await fetch(`${base}${path}`, { method, headers: { appid: seed.app.id, ...headers } });
	await res.body?.cancel();
	return res.status;
}

async function loginConnected(uid = "superhero1"): Promise<string> {
	await CometChat.init(seed.app.id, settings().build());
	const user = await CometChat.login(uid, seed.authKey);
	await waitFor(() => CometChat.getConnectionStatus() === "connected", "the server to accept the auth frame");
	return user.getAuthToken() ?? "";
}

describe("against the real realtime endpoint", () => {
	test("login over real HTTP connects with the default WebSocket (the ws peer in Node 20)", async () => {
		await loginConnected();
		await CometChat.logout();
		expect(CometChat.getConnectionStatus()).toBe("disconnected");
		expect(events).toEqual([["loginSuccess", "superhero1"], ["logoutSuccess"]]);
	});

	test("pings are answered with pongs", async () => {
		const received: string[] = [];
		await CometChat.init(
			seed.app.id,
			settings()
				.setRealtimeOptions({ pingIntervalMs: 20 })
				.setWebSocket((url) => {
					const socket = new WebSocket(url);
					socket.on("message", (data) => received.push(data.toString()));
					return socket as unknown as WebSocketLike;
				})
				.build(),
		);
		await CometChat.login("superhero1", seed.authKey);
		await waitFor(() => received.some((frame) => JSON.parse(frame).action === "pong"), "a pong");
		expect(JSON.parse(received[0] ?? "")).toMatchObject({ type: "auth", body: { code: "200", status: "OK" } });
		expect(CometChat.getConnectionStatus()).toBe("connected");
	});

	test("flushing the user's tokens over REST closes the socket with 4001 revoked and ends the session", async () => {
		await loginConnected();
		expect(await callServer("DELETE", "/users/superhero1/auth_tokens", { apikey: seed.restApiKey })).toBe(200);
		await waitFor(() => events.length === 3, "the revocation");
		expect(events).toEqual([["loginSuccess", "superhero1"], ["sessionRevoked", "revoked"], ["logoutSuccess"]]);
		expect(await CometChat.getLoggedinUser()).toBeNull();
		expect(CometChat.getConnectionStatus()).toBe("disconnected");
	});

	test("a logout elsewhere with the same token arrives as sessionRevoked(logged_out)", async () => {
		const token = await loginConnected();
		expect(await callServer("DELETE", "/me", { authtoken: token })).toBe(200);
		await waitFor(() => events.length === 3, "the revocation");
		expect(events).toEqual([["loginSuccess", "superhero1"], ["sessionRevoked", "logged_out"], ["logoutSuccess"]]);
	});

	test("deleting the user arrives as sessionRevoked(user_deleted)", async () => {
		await loginConnected();
		expect(await callServer("DELETE", "/users/superhero1", { apikey: seed.restApiKey })).toBe(200);
		await waitFor(() => events.length === 3, "the revocation");
		expect(events).toEqual([["loginSuccess", "superhero1"], ["sessionRevoked", "user_deleted"], ["logoutSuccess"]]);
	});

	test("a stored session with a forged realtime JWT is refused with 4002 and ends as revoked", async () => {
		await loginConnected();
		CometChat.disconnect();
		const stored = JSON.parse((await storage.read(seed.app.id)) ?? "") as { session: { jwt: string } };
		stored.session.jwt = `${stored.session.jwt.slice(0, -4)}AAAA`;
		await storage.write(seed.app.id, JSON.stringify(stored));
		await CometChat.init(seed.app.id, settings().build());
		await waitFor(() => events.length === 3, "the refusal");
		expect(events).toEqual([["loginSuccess", "superhero1"], ["sessionRevoked", "revoked"], ["logoutSuccess"]]);
		expect(await CometChat.getLoggedinUser()).toBeNull();
	});
});
