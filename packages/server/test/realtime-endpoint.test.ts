import { createHmac } from "node:crypto";
import { performance } from "node:perf_hooks";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { WebSocket } from "ws";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { noEvents } from "../src/events/bus.ts";
import type { ChangeEvent } from "../src/events/change-event.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import type { Session } from "../src/store/store.ts";
import { ManualClock } from "./harness.ts";
import { authFrame, ManualTimers, openClient, openClientWith, type TestClient } from "./realtime-client.ts";
import { DIALECTS, openTestStore } from "./stores.ts";
import { within } from "./wait.ts";

let store: KyselyStore;
let running: RunningServer;
let seed: CreatedApp;
let timers: ManualTimers;
let recorded: ChangeEvent[];
let clock: ManualClock;
let wsURL: string;

async function startWith(options: { store?: KyselyStore } = {}): Promise<void> {
	const config = readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent" }, process.cwd());
	running = await startServer({
		config,
		store: options.store ?? store,
		clock,
		logger: pino({ level: "silent" }),
		realtime: { setTimer: timers.set, heartbeatIntervalMs: 45_000 },
	});
	running.bus.subscribe((event) => {
		if (event.type === "token.revoked") recorded.push(event);
	});
	wsURL = running.url.replace(/^http/, "ws");
}

async function call(method: string, path: string, options: { key?: string; token?: string; body?: unknown } = {}) {
	const headers: Record<string, string> = { appid: seed.app.id, "content-type": "application/json" };
	if (options.key) headers.apikey = options.key;
	if (options.token) headers.authtoken = options.token;
	const res = await fetch(`${running.url}${path}`, {
		method,
		headers,
		...(options.body !== undefined && { body: JSON.stringify(options.body) }),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function login(uid: string): Promise<{ token: string; tokenId: string; jwt: string }> {
	const minted = await call("POST", `/v3/users/${uid}/auth_tokens`, { key: seed.authKey, body: { platform: "WEB" } });
	const token = (minted.body.data as { authToken: string }).authToken;
	const me = await call("PUT", "/v3.0/me", { token, body: { platform: "WEB", deviceId: "d1" } });
	const jwt = (me.body.data as { jwt: string }).jwt;
	return { token, tokenId: token.split(".")[0] as string, jwt };
}

async function connect(uid: string, session?: { jwt: string }): Promise<TestClient & { token?: string }> {
	const credentials = session ?? (await login(uid));
	const client = await openClient(wsURL);
	client.socket.send(authFrame(seed.app.id, uid, credentials.jwt));
	expect(await client.nextMessage()).toEqual({
		appId: seed.app.id,
		type: "auth",
		sender: uid,
		deviceId: "WEB-4_2_0-test-device",
		body: { code: "200", status: "OK" },
	});
	return client;
}

async function expectPong(client: TestClient): Promise<void> {
	client.socket.send(JSON.stringify({ action: "ping", ack: "true" }));
	expect(await client.nextMessage()).toEqual({ action: "pong" });
}

describe.each(DIALECTS)("on %s", (dialect) => {
	beforeEach(async () => {
		store = await openTestStore(dialect);
		seed = await createLatchkeyApp({ store, clock: new ManualClock(), events: noEvents }, { name: "RT" });
		timers = new ManualTimers();
		recorded = [];
		clock = new ManualClock();
		await startWith();
	});

	afterEach(async () => {
		await running.close();
		await store.close();
	});

	describe("realtime auth", () => {
		test("a valid auth frame is answered with code 200 and the socket stays registered", async () => {
			const session = await login("superhero1");
			const client = await connect("superhero1", session);
			expect(running.hub.liveTokenIds()).toEqual([session.tokenId]);
			expect(running.hub.connectionCount()).toBe(1);
			expect(running.hub.liveSocketCount(seed.app.id)).toBe(1);
			expect(running.hub.liveSocketCount(seed.app.id, "superhero1")).toBe(1);
			expect(running.hub.liveSocketCount(seed.app.id, "superhero2")).toBe(0);
			expect([...timers.pending.values()].filter((timer) => timer.ms === 5_000)).toEqual([]);
			expect(client.isOpen()).toBe(true);
		});

		test("every ping is answered with a pong", async () => {
			const client = await connect("superhero1");
			await expectPong(client);
			await expectPong(client);
		});

		test("a garbage JWT closes with 4002", async () => {
			const client = await openClient(wsURL);
			client.socket.send(authFrame(seed.app.id, "superhero1", "not-a-jwt"));
			expect(await within(client.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
			expect(running.hub.liveTokenIds()).toEqual([]);
		});

		test("a JWT with a forged signature closes with 4002", async () => {
			const { jwt } = await login("superhero1");
			const [header, payload] = jwt.split(".");
			const client = await openClient(wsURL);
			client.socket.send(authFrame(seed.app.id, "superhero1", `${header}.${payload}.${"A".repeat(43)}`));
			expect(await within(client.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
		});

		describe("the JWT header and signature are checked strictly (issue 12, item 8)", () => {
			/** The JWT's payload under another header, signed with the app's secret (or as `sign` says). */
			function resign(
				jwt: string,
				header: Record<string, unknown>,
				sign: (input: string) => string = (input) =>
					createHmac("sha256", seed.app.jwtSecret).update(input).digest("base64url"),
			): string {
				const payload = jwt.split(".")[1];
				const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${payload}`;
				return `${input}.${sign(input)}`;
			}

			async function expectRefused(jwt: string): Promise<void> {
				const client = await openClient(wsURL);
				client.socket.send(authFrame(seed.app.id, "superhero1", jwt));
				expect(await within(client.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
				expect(running.hub.liveTokenIds()).toEqual([]);
			}

			test("the JWT /me hands out names its key id", async () => {
				const { jwt } = await login("superhero1");
				const header = JSON.parse(Buffer.from(String(jwt.split(".")[0]), "base64url").toString("utf8"));
				expect(header).toEqual({ alg: "HS256", typ: "JWT", kid: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) });
			});

			test("alg none closes with 4002", async () => {
				const { jwt } = await login("superhero1");
				await expectRefused(resign(jwt, { alg: "none", typ: "JWT" }, () => ""));
			});

			test("HS512 signed with the app's secret closes with 4002", async () => {
				const { jwt } = await login("superhero1");
				await expectRefused(
					resign(jwt, { alg: "HS512", typ: "JWT" }, (input) =>
						createHmac("sha512", seed.app.jwtSecret).update(input).digest("base64url"),
					),
				);
			});

			test("a typ other than JWT closes with 4002", async () => {
				const { jwt } = await login("superhero1");
				await expectRefused(resign(jwt, { alg: "HS256", typ: "JOSE+JSON" }));
			});

			test("a non-canonical spelling of the right signature closes with 4002", async () => {
				const { jwt } = await login("superhero1");
				const signature = String(jwt.split(".")[2]);
				// The last of 43 characters carries 2 unused bits: flipping one decodes to the very same 32 bytes.
				const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
				const last = alphabet.indexOf(signature.slice(-1));
				const variant = signature.slice(0, -1) + alphabet[last ^ 1];
				expect(Buffer.from(variant, "base64url")).toEqual(Buffer.from(signature, "base64url"));
				await expectRefused(`${jwt.split(".").slice(0, 2).join(".")}.${variant}`);
			});

			test("an unknown kid, even with the right signature, closes with 4002", async () => {
				const { jwt } = await login("superhero1");
				await expectRefused(resign(jwt, { alg: "HS256", typ: "JWT", kid: "AAAAAAAAAAAAAAAA" }));
			});

			test("a JWT issued before key ids (no kid) still authenticates", async () => {
				const session = await login("superhero1");
				await connect("superhero1", { jwt: resign(session.jwt, { alg: "HS256", typ: "JWT" }) });
				expect(running.hub.liveTokenIds()).toEqual([session.tokenId]);
			});
		});

		test("the JWT of a deleted token closes with 4002", async () => {
			const session = await login("superhero1");
			await call("DELETE", "/v3.0/me", { token: session.token });
			const client = await openClient(wsURL);
			client.socket.send(authFrame(seed.app.id, "superhero1", session.jwt));
			expect(await within(client.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
		});

		test("the JWT of a deactivated user closes with 4002", async () => {
			const session = await login("superhero1");
			await call("DELETE", "/v3/users/superhero1", { key: seed.restApiKey, body: {} });
			const client = await openClient(wsURL);
			client.socket.send(authFrame(seed.app.id, "superhero1", session.jwt));
			expect(await within(client.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
		});

		test("an auth frame naming another user than its JWT closes with 4002", async () => {
			const { jwt } = await login("superhero1");
			const client = await openClient(wsURL);
			client.socket.send(authFrame(seed.app.id, "superhero2", jwt));
			expect(await within(client.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
		});

		test("an auth frame naming another app than its JWT closes with 4002", async () => {
			const { jwt } = await login("superhero1");
			const client = await openClient(wsURL);
			client.socket.send(authFrame("someotherapp", "superhero1", jwt));
			expect(await within(client.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
		});

		test("an auth frame without body.auth closes with 4002", async () => {
			const client = await openClient(wsURL);
			client.socket.send(JSON.stringify({ type: "auth", appId: seed.app.id, body: {} }));
			expect(await within(client.closed, "close")).toMatchObject({ code: 4002, reason: "auth_failed" });
		});

		test("no auth frame before the deadline closes with 4003; other frames do not count", async () => {
			const client = await openClient(wsURL);
			client.socket.send("not json");
			client.socket.send(JSON.stringify({ type: "message", body: {} }));
			await expectPong(client);
			expect(timers.fire(5_000)).toBe(1);
			expect(await within(client.closed, "close")).toMatchObject({ code: 4003, reason: "auth_timeout" });
		});

		test("the deadline is cancelled once auth succeeds", async () => {
			const client = await connect("superhero1");
			expect(timers.fire(5_000)).toBe(0);
			await expectPong(client);
		});

		test("a second auth frame on an authenticated socket is ignored", async () => {
			const client = await connect("superhero1");
			const other = await login("superhero2");
			client.socket.send(authFrame(seed.app.id, "superhero2", other.jwt));
			await expectPong(client);
			expect(running.hub.liveTokenIds()).toHaveLength(1);
		});

		test("upgrades on another path are refused with 404", async () => {
			const socket = new WebSocket(`${wsURL}/elsewhere`);
			const status = await within(
				new Promise<number>((resolve) => {
					socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
					socket.once("error", () => {});
				}),
				"upgrade refusal",
			);
			expect(status).toBe(404);
		});
	});

	describe("revocation closes sockets with 4001", () => {
		async function expectRevoked(client: TestClient, reason: string, label: string, startedAt: number): Promise<void> {
			const closed = await within(client.closed, `${label} close`);
			expect(closed).toMatchObject({ code: 4001, reason });
			console.log(`[realtime] ${label}: revocation request → socket close ${(closed.at - startedAt).toFixed(1)} ms`);
		}

		test("deleting the token through REST closes its socket, not the user's other sockets", async () => {
			const session = await login("superhero1");
			const target = await connect("superhero1", session);
			const sibling = await connect("superhero1");
			const stranger = await connect("superhero2");
			const startedAt = performance.now();
			const res = await call("DELETE", `/v3/users/superhero1/auth_tokens/${session.token}`, { key: seed.restApiKey });
			expect(res.status).toBe(200);
			await expectRevoked(target, "revoked", "token delete", startedAt);
			await expectPong(sibling);
			await expectPong(stranger);
			expect(recorded).toEqual([
				{ type: "token.revoked", appId: seed.app.id, tokenIds: [session.tokenId], reason: "revoked" },
			]);
		});

		test("deleting by token id (what list answers show) also closes the socket", async () => {
			const session = await login("superhero1");
			const target = await connect("superhero1", session);
			const startedAt = performance.now();
			await call("DELETE", `/v3/users/superhero1/auth_tokens/${session.tokenId}`, { key: seed.restApiKey });
			await expectRevoked(target, "revoked", "token delete by id", startedAt);
		});

		test("flushing a user's tokens closes all of that user's sockets only", async () => {
			const first = await connect("superhero1");
			const second = await connect("superhero1");
			const stranger = await connect("superhero2");
			const startedAt = performance.now();
			await call("DELETE", "/v3/users/superhero1/auth_tokens", { key: seed.restApiKey });
			await expectRevoked(first, "revoked", "flush (1st socket)", startedAt);
			await expectRevoked(second, "revoked", "flush (2nd socket)", startedAt);
			await expectPong(stranger);
		});

		test("DELETE /me closes the socket with reason logged_out", async () => {
			const session = await login("superhero1");
			const client = await connect("superhero1", session);
			const sibling = await connect("superhero1");
			const startedAt = performance.now();
			await call("DELETE", "/v3.0/me", { token: session.token });
			await expectRevoked(client, "logged_out", "DELETE /me", startedAt);
			await expectPong(sibling);
		});

		test("soft-deleting the user closes every socket of theirs with user_deleted", async () => {
			const first = await connect("superhero1");
			const second = await connect("superhero1");
			const stranger = await connect("superhero2");
			const startedAt = performance.now();
			await call("DELETE", "/v3/users/superhero1", { key: seed.restApiKey, body: {} });
			await expectRevoked(first, "user_deleted", "user soft delete", startedAt);
			await expectRevoked(second, "user_deleted", "user soft delete (2nd)", startedAt);
			await expectPong(stranger);
		});

		test("permanently deleting the user closes every socket of theirs with user_deleted", async () => {
			const client = await connect("superhero1");
			const stranger = await connect("superhero2");
			const startedAt = performance.now();
			await call("DELETE", "/v3/users/superhero1", { key: seed.restApiKey, body: { permanent: true } });
			await expectRevoked(client, "user_deleted", "user permanent delete", startedAt);
			await expectPong(stranger);
		});

		test("minting a 101st token evicts the oldest and closes its socket", async () => {
			const oldest = await login("superhero1");
			const client = await connect("superhero1", oldest);
			for (let i = 0; i < 99; i++) {
				// Eviction goes by creation time; distinct times make "oldest" unambiguous.
				clock.advance(1);
				await call("POST", "/v3/users/superhero1/auth_tokens", { key: seed.restApiKey, body: {} });
			}
			await expectPong(client);
			clock.advance(1);
			const startedAt = performance.now();
			await call("POST", "/v3/users/superhero1/auth_tokens", { key: seed.restApiKey, body: {} });
			await expectRevoked(client, "revoked", "eviction past 100", startedAt);
		});

		test("a revocation published on the bus closes with its reason (expired)", async () => {
			const session = await login("superhero1");
			const client = await connect("superhero1", session);
			const startedAt = performance.now();
			await running.bus.publish({
				type: "token.revoked",
				appId: seed.app.id,
				tokenIds: [session.tokenId],
				reason: "expired",
			});
			await expectRevoked(client, "expired", "bus publish", startedAt);
		});

		test("a revocation of another app's token id closes nothing", async () => {
			const session = await login("superhero1");
			const client = await connect("superhero1", session);
			await running.bus.publish({
				type: "token.revoked",
				appId: "otherapp",
				tokenIds: [session.tokenId],
				uid: "superhero1",
				reason: "revoked",
			});
			await expectPong(client);
		});

		test("a token revoked while its auth frame is being verified still closes with 4001", async () => {
			let release: () => void = () => {};
			const gate = new Promise<void>((resolve) => {
				release = resolve;
			});
			let entered: () => void = () => {};
			const verifying = new Promise<void>((resolve) => {
				entered = resolve;
			});
			const session = await login("superhero1");
			await running.close();
			const gated = Object.create(store) as KyselyStore;
			gated.getSession = async (id: string): Promise<Session | null> => {
				entered();
				await gate;
				return await store.getSession(id);
			};
			await startWith({ store: gated });
			const client = await openClient(wsURL);
			client.socket.send(authFrame(seed.app.id, "superhero1", session.jwt));
			await within(verifying, "verification to start");
			expect(running.hub.liveTokenIds()).toEqual([session.tokenId]);
			expect(running.hub.liveSocketCount(seed.app.id, "superhero1")).toBe(0);
			await running.bus.publish({
				type: "token.revoked",
				appId: seed.app.id,
				tokenIds: [session.tokenId],
				reason: "revoked",
			});
			release();
			expect(await within(client.closed, "close")).toMatchObject({ code: 4001, reason: "revoked" });
			expect(running.hub.liveTokenIds()).toEqual([]);
		});

		test("liveTokenIds + closeTokens let a node close sockets whose tokens vanished without a notification", async () => {
			const gone = await login("superhero1");
			const goneClient = await connect("superhero1", gone);
			const kept = await login("superhero2");
			const keptClient = await connect("superhero2", kept);
			await store.deleteAuthToken(gone.tokenId);
			const live = running.hub.liveTokenIds();
			const existing = new Set(await store.findExistingAuthTokenIds(live));
			const missing = live.filter((id) => !existing.has(id));
			expect(missing).toEqual([gone.tokenId]);
			expect(running.hub.closeTokens(missing, "revoked")).toBe(1);
			expect(await within(goneClient.closed, "close")).toMatchObject({ code: 4001, reason: "revoked" });
			await expectPong(keptClient);
			expect(running.hub.liveTokenIds()).toEqual([kept.tokenId]);
		});

		test("reconcile() also closes sockets of a user deactivated by another process", async () => {
			const client = await connect("superhero1");
			const stranger = await connect("superhero2");
			await store.setUserDeactivatedAt(seed.app.id, "superhero1", clock.now());
			expect(await running.hub.reconcile()).toBe(1);
			expect(await within(client.closed, "close")).toMatchObject({ code: 4001, reason: "revoked" });
			await expectPong(stranger);
		});

		test("the periodic reconcile closes sockets of tokens deleted by another process (e.g. the CLI)", async () => {
			const gone = await login("superhero1");
			const goneClient = await connect("superhero1", gone);
			const keptClient = await connect("superhero2");
			// Straight in the store, as `latchkey tokens delete` does from its own process: no revocation reaches us.
			await store.deleteAuthToken(gone.tokenId);
			await expectPong(goneClient);
			const closed = goneClient.closed;
			expect(timers.fire(30_000)).toBe(1);
			expect(await within(closed, "close")).toMatchObject({ code: 4001, reason: "revoked" });
			await expectPong(keptClient);
			expect([...timers.pending.values()].filter((timer) => timer.ms === 30_000)).toHaveLength(1);
		});
	});

	describe("heartbeat", () => {
		test("a socket that answers protocol pings stays; one that stops answering is cut off", async () => {
			const answering = await connect("superhero1");
			const silent = await openClientWith(wsURL, { autoPong: false });
			const pinged = new Promise((resolve) => answering.socket.once("ping", resolve));
			expect(timers.fire(45_000)).toBe(1);
			await within(pinged, "the server's ping");
			// TCP keeps order: once our own ping is answered, the server has read the automatic pong sent before it.
			await within(
				new Promise((resolve) => {
					answering.socket.once("pong", resolve);
					answering.socket.ping();
				}),
				"a ping round trip",
			);
			expect(timers.fire(45_000)).toBe(1);
			expect(await within(silent.closed, "close")).toMatchObject({ code: 1006 });
			await expectPong(answering);
			expect(running.hub.connectionCount()).toBe(1);
		});
	});

	describe("shutdown", () => {
		test("close() closes every socket with 1001, authenticated or not, then the server", async () => {
			const authenticated = await connect("superhero1");
			const pending = await openClient(wsURL);
			await running.close();
			expect(await within(authenticated.closed, "close")).toMatchObject({ code: 1001, reason: "server_shutdown" });
			expect(await within(pending.closed, "close")).toMatchObject({ code: 1001, reason: "server_shutdown" });
			expect(running.hub.connectionCount()).toBe(0);
			await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
			await startWith();
		});
	});
});
