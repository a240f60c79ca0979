import pino from "pino";
import { afterEach, beforeEach, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { authFrame, ManualTimers, openClient, type TestClient } from "./realtime-client.ts";
import { openTestStore } from "./stores.ts";
import { within } from "./wait.ts";

/**
 * Issue 13 item 7 over a real socket: the Management API is configured from the environment, and deleting an app
 * through it closes that app's realtime sockets with 4001 app_deleted, not another app's.
 */

const KEY = "latchkey-management-key";
const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const DIALECT = process.env.LATCHKEY_TEST_DIALECT === "postgres" ? "postgres" : "sqlite";

let store: KyselyStore;
let running: RunningServer;
let other: CreatedApp;

beforeEach(async () => {
	store = await openTestStore(DIALECT);
	other = await createLatchkeyApp({ store, clock: new ManualClock(), events: noEvents }, { name: "Other" });
	const config = readConfig(
		{ PORT: "0", LATCHKEY_LOG_LEVEL: "silent", LATCHKEY_MANAGEMENT_KEY: KEY, LATCHKEY_MANAGEMENT_SECRET: SECRET },
		process.cwd(),
	);
	running = await startServer({
		config,
		store,
		clock: new ManualClock(),
		logger: pino({ level: "silent" }),
		realtime: { setTimer: new ManualTimers().set, heartbeatIntervalMs: 45_000 },
	});
});

afterEach(async () => {
	await running.close();
	await store.close();
});

async function request(
	method: string,
	path: string,
	headers: Record<string, string>,
	body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; cacheControl: string | null }> {
	const res = await fetch(`${running.url}${path}`, {
		method,
		headers: { "content-type": "application/json", ...headers },
		...(body !== undefined && { body: JSON.stringify(body) }),
	});
	return {
		status: res.status,
		body: (await res.json()) as Record<string, unknown>,
		cacheControl: res.headers.get("cache-control"),
	};
}

/** Logs `uid` of an app in as the SDK does and opens an authenticated socket for it. */
async function connect(appId: string, authKey: string, uid: string): Promise<TestClient> {
	const minted = await request("POST", `/v3.0/users/${uid}/auth_tokens`, { appid: appId, apikey: authKey }, {});
	const token = (minted.body.data as { authToken: string }).authToken;
	const me = await request("PUT", "/v3.0/me", { appid: appId, authtoken: token }, { platform: "WEB", deviceId: "d1" });
	const jwt = (me.body.data as { jwt: string }).jwt;
	const client = await openClient(running.url.replace(/^http/, "ws"));
	client.socket.send(authFrame(appId, uid, jwt));
	expect(await client.nextMessage()).toMatchObject({ type: "auth", body: { code: "200", status: "OK" } });
	return client;
}

test("an app created and deleted over the Management API: its open socket closes with 4001 app_deleted", async () => {
	// Over the wire, with the header names spelled as CometChat's docs show them.
	const created = await request("POST", "/apps", { Key: KEY, Secret: SECRET }, { name: "Doomed" });
	expect({ status: created.status, cacheControl: created.cacheControl }).toEqual({
		status: 200,
		cacheControl: "no-store",
	});
	const app = created.body.data as { id: string; apiKeys: Record<string, { scope: string }> };
	const authKey = Object.entries(app.apiKeys).find(([, key]) => key.scope === "authOnly")?.[0] as string;

	const doomed = await connect(app.id, authKey, "superhero1");
	const bystander = await connect(other.app.id, other.authKey, "superhero1");

	const deleted = await request("DELETE", `/apps/${app.id}`, { key: KEY, secret: SECRET });
	expect(deleted.status).toBe(200);
	expect(await within(doomed.closed, "the deleted app's socket to close")).toMatchObject({
		code: 4001,
		reason: "app_deleted",
	});
	bystander.socket.send(JSON.stringify({ action: "ping", ack: "true" }));
	expect(await bystander.nextMessage()).toEqual({ action: "pong" });
	expect(running.hub.liveSocketCount(app.id)).toBe(0);
	expect(running.hub.liveSocketCount(other.app.id)).toBe(1);
	bystander.socket.close();
});

test("a wrong secret over the wire is 401 and deletes nothing", async () => {
	const res = await request("DELETE", `/apps/${other.app.id}`, { key: KEY, secret: `${SECRET.slice(1)}0` });
	expect(res).toEqual({
		status: 401,
		cacheControl: "no-store",
		body: {
			error: {
				code: "AUTH_ERR_APIKEY_NOT_FOUND",
				message: "The key and secret are not valid for the Management API.",
				devMessage: "The key and secret are not valid for the Management API.",
				source: "chat-api",
				details: {},
			},
		},
	});
	expect(await store.getApp(other.app.id)).not.toBeNull();
});
