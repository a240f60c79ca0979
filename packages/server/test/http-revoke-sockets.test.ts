import pino from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { T0 } from "./helpers.ts";
import { authFrame, ManualTimers, openClient, type TestClient } from "./realtime-client.ts";
import { openTestStore } from "./stores.ts";
import { within } from "./wait.ts";

/**
 * Issue 15: every rung of the revocation ladder and every ending of "my devices" closes the sockets of exactly the
 * tokens it revoked with 4001, through the same `token.revoked` event as a delete. Runs on the harness's dialect.
 */

const DIALECT = process.env.LATCHKEY_TEST_DIALECT === "postgres" ? "postgres" : "sqlite";

let store: KyselyStore;
let running: RunningServer;
let seed: CreatedApp;
let clock: ManualClock;
let wsURL: string;

beforeEach(async () => {
	store = await openTestStore(DIALECT);
	seed = await createLatchkeyApp({ store, clock: new ManualClock(), events: noEvents }, { name: "Revoke" });
	clock = new ManualClock();
	const config = readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent" }, process.cwd());
	running = await startServer({
		config,
		store,
		clock,
		logger: pino({ level: "silent" }),
		realtime: { setTimer: new ManualTimers().set, heartbeatIntervalMs: 45_000 },
	});
	wsURL = running.url.replace(/^http/, "ws");
});

afterEach(async () => {
	await running.close();
	await store.close();
});

async function call(
	method: string,
	path: string,
	options: { key?: string; token?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
	const headers: Record<string, string> = { appid: seed.app.id, "content-type": "application/json" };
	if (options.key) headers.apikey = options.key;
	if (options.token) headers.authtoken = options.token;
	const res = await fetch(`${running.url}${path}`, {
		method,
		headers,
		...(options.body !== undefined && { body: JSON.stringify(options.body) }),
	});
	return { status: res.status, body: (await res.json()) as unknown };
}

interface Device {
	token: string;
	tokenId: string;
	client: TestClient;
}

/** Logs `uid` in as the SDK does (mint, PUT /me for the JWT) and opens an authenticated socket. */
async function connect(uid: string): Promise<Device> {
	const minted = await call("POST", `/v3/users/${uid}/auth_tokens`, { key: seed.authKey, body: { platform: "WEB" } });
	const token = (minted.body as { data: { authToken: string } }).data.authToken;
	const me = await call("PUT", "/v3.0/me", { token, body: { platform: "WEB", deviceId: "d1" } });
	const jwt = (me.body as { data: { jwt: string } }).data.jwt;
	const client = await openClient(wsURL);
	client.socket.send(authFrame(seed.app.id, uid, jwt));
	expect(await client.nextMessage()).toMatchObject({ type: "auth", body: { code: "200", status: "OK" } });
	return { token, tokenId: token.split(".")[0] as string, client };
}

async function expectClosed(device: Device, reason: string): Promise<void> {
	expect(await within(device.client.closed, "close")).toMatchObject({ code: 4001, reason });
}

/** A socket still open answers a ping. */
async function expectOpen(device: Device): Promise<void> {
	device.client.socket.send(JSON.stringify({ action: "ping", ack: "true" }));
	expect(await device.client.nextMessage()).toEqual({ action: "pong" });
}

describe("the revocation ladder closes the revoked tokens' sockets with 4001", () => {
	test("issuedBefore: the older token's socket closes, the newer one's and another user's stay", async () => {
		const old = await connect("superhero1");
		clock.advance(5_000);
		const newer = await connect("superhero1");
		const stranger = await connect("superhero2");
		const res = await call("POST", "/v3/users/superhero1/auth_tokens/revoke", {
			key: seed.restApiKey,
			body: { issuedBefore: T0 + 5 },
		});
		expect(res).toEqual({ status: 200, body: { data: { revoked: 1 } } });
		await expectClosed(old, "revoked");
		await expectOpen(newer);
		await expectOpen(stranger);
		expect(running.hub.liveTokenIds().sort()).toEqual([newer.tokenId, stranger.tokenId].sort());
	});

	test("except: every socket of the user but the kept token's closes", async () => {
		const first = await connect("superhero1");
		const kept = await connect("superhero1");
		const third = await connect("superhero1");
		const res = await call("POST", "/v3.0/users/superhero1/auth_tokens/revoke", {
			key: seed.restApiKey,
			body: { except: kept.tokenId },
		});
		expect(res).toEqual({ status: 200, body: { data: { revoked: 2 } } });
		await expectClosed(first, "revoked");
		await expectClosed(third, "revoked");
		await expectOpen(kept);
	});

	test("app-wide issuedBefore: older sockets of every user close, newer ones stay", async () => {
		const a = await connect("superhero1");
		const b = await connect("superhero2");
		clock.advance(60_000);
		const newer = await connect("superhero3");
		const res = await call("POST", "/v3/auth_tokens/revoke", { key: seed.restApiKey, body: { issuedBefore: T0 + 60 } });
		expect(res).toEqual({ status: 200, body: { data: { revoked: 2 } } });
		await expectClosed(a, "revoked");
		await expectClosed(b, "revoked");
		await expectOpen(newer);
	});
});

describe("ending sessions from /me/sessions closes their sockets with 4001", () => {
	test("ending one closes that device's socket only", async () => {
		const caller = await connect("superhero1");
		const other = await connect("superhero1");
		const res = await call("DELETE", `/v3.0/me/sessions/${other.tokenId}`, { token: caller.token });
		expect(res.status).toBe(200);
		await expectClosed(other, "logged_out");
		await expectOpen(caller);
	});

	test("scope others closes every other device; scope all closes the caller's too", async () => {
		const caller = await connect("superhero1");
		const second = await connect("superhero1");
		const third = await connect("superhero1");
		const stranger = await connect("superhero2");
		const others = await call("DELETE", "/v3.0/me/sessions", { token: caller.token, body: { scope: "others" } });
		expect(others).toEqual({ status: 200, body: { data: { revoked: 2 } } });
		await expectClosed(second, "logged_out");
		await expectClosed(third, "logged_out");
		await expectOpen(caller);

		const fourth = await connect("superhero1");
		const all = await call("DELETE", "/v3.0/me/sessions", { token: caller.token, body: { scope: "all" } });
		expect(all).toEqual({ status: 200, body: { data: { revoked: 2 } } });
		await expectClosed(caller, "logged_out");
		await expectClosed(fourth, "logged_out");
		await expectOpen(stranger);
	});
});
