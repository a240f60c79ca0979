import { connect as connectTCP, type Socket } from "node:net";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { WebSocket } from "ws";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { openTestStore } from "./stores.ts";
import { WAIT_MS, within } from "./wait.ts";

// Issue 12 items 3 and 4: connection caps, slow clients cut, and a 413 that does not poison the connection.

let store: KyselyStore;
let seed: CreatedApp;
let running: RunningServer | null;

async function start(env: Record<string, string> = {}): Promise<RunningServer> {
	const config = readConfig({ PORT: "0", LATCHKEY_LOG_LEVEL: "silent", ...env }, process.cwd());
	running = await startServer({ config, store, clock: new ManualClock(), logger: pino({ level: "silent" }) });
	return running;
}

/** Everything the server sends on a raw socket until it closes it, and whether that close was an error (reset). */
function readUntilClose(socket: Socket): Promise<{ text: string; error: string | null }> {
	return within(
		new Promise((resolve) => {
			let text = "";
			let error: string | null = null;
			socket.on("data", (chunk: Buffer) => {
				text += chunk.toString("latin1");
			});
			socket.on("error", (cause: NodeJS.ErrnoException) => {
				error = cause.code ?? cause.message;
			});
			socket.on("close", () => resolve({ text, error }));
		}),
		"the server to close the socket",
	);
}

function openRaw(server: RunningServer): Promise<Socket> {
	return within(
		new Promise((resolve, reject) => {
			const socket = connectTCP(server.port, "127.0.0.1", () => resolve(socket));
			socket.once("error", reject);
		}),
		"a TCP connection",
	);
}

/** Opens a WebSocket; resolves with "open" or the HTTP status the upgrade was refused with. */
function upgrade(server: RunningServer, localAddress = "127.0.0.1"): Promise<{ socket: WebSocket; status: number }> {
	return within(
		new Promise((resolve, reject) => {
			const socket = new WebSocket(server.url.replace(/^http/, "ws"), { localAddress });
			socket.once("open", () => resolve({ socket, status: 101 }));
			socket.once("unexpected-response", (_request, response) => resolve({ socket, status: response.statusCode ?? 0 }));
			socket.once("error", reject);
		}),
		"the upgrade's answer",
	);
}

async function mintJWT(server: RunningServer, uid: string): Promise<string> {
	const headers = { appid: seed.app.id, "content-type": "application/json" };
	const minted = await fetch(`${server.url}/v3/users/${uid}/auth_tokens`, {
		method: "POST",
		headers: { ...headers, apikey: seed.authKey },
		body: "{}",
	});
	const token = ((await minted.json()) as { data: { authToken: string } }).data.authToken;
	const me = await fetch(`${server.url}/v3.0/me`, {
		method: "PUT",
		headers: { ...headers, authtoken: token },
		body: JSON.stringify({ platform: "WEB", deviceId: "d1" }),
	});
	return ((await me.json()) as { data: { jwt: string } }).data.jwt;
}

/** Sends the SDK's auth frame; resolves with the auth answer's code, or the close code when the socket closed instead. */
function authenticate(socket: WebSocket, uid: string, jwt: string): Promise<string> {
	return within(
		new Promise((resolve) => {
			socket.once("message", (data) =>
				resolve(String((JSON.parse(data.toString()) as { body: { code: string } }).body.code)),
			);
			socket.once("close", (code, reason) => resolve(`${code} ${reason.toString()}`));
			socket.send(
				JSON.stringify({ appId: seed.app.id, type: "auth", sender: uid, deviceId: "d1", body: { auth: jwt } }),
			);
		}),
		"the auth answer",
	);
}

beforeEach(async () => {
	store = await openTestStore("sqlite");
	seed = await createLatchkeyApp({ store, clock: new ManualClock(), events: noEvents }, { name: "Caps" });
	running = null;
});

afterEach(async () => {
	await running?.close();
	await store.close();
});

describe("HTTP connections", () => {
	test("a 413 for a declared body over 10 KB announces Connection: close and closes cleanly after answering", async () => {
		const server = await start();
		const socket = await openRaw(server);
		const body = "x".repeat(20_000);
		const closed = readUntilClose(socket);
		socket.write(
			`POST /v3/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
				"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n",
		);
		const { text, error } = await closed;
		const [head = "", answer] = text.split("\r\n\r\n");
		expect(head.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
		expect(head.toLowerCase().split("\r\n")).toContain("connection: close");
		expect(JSON.parse(answer ?? "")).toEqual({
			error: {
				code: "ERR_PAYLOAD_TOO_LARGE",
				message: "The request body may not be larger than 10 KB.",
				devMessage: "The request body may not be larger than 10 KB.",
				source: "chat-api",
				details: { maxBytes: 10_240 },
			},
		});
		// The pipelined request is not answered on this connection (it was announced as closing), and no reset.
		expect(text).not.toContain("HTTP/1.1 200");
		expect(error).toBeNull();
	});

	test("a request under the limit keeps the connection alive for the next one", async () => {
		const server = await start();
		const socket = await openRaw(server);
		const closed = readUntilClose(socket);
		socket.write(
			"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		);
		const { text, error } = await closed;
		expect(text.match(/HTTP\/1\.1 200 OK/g)).toEqual(["HTTP/1.1 200 OK", "HTTP/1.1 200 OK"]);
		expect(error).toBeNull();
	});

	test("a client that never finishes its headers is cut once LATCHKEY_HEADERS_TIMEOUT_MS passes", async () => {
		const server = await start({ LATCHKEY_HEADERS_TIMEOUT_MS: "200", LATCHKEY_REQUEST_TIMEOUT_MS: "300" });
		const socket = await openRaw(server);
		const closed = readUntilClose(socket);
		const started = performance.now();
		socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
		const { text } = await closed;
		expect(text.split("\r\n")[0]).toBe("HTTP/1.1 408 Request Timeout");
		expect(performance.now() - started).toBeLessThan(WAIT_MS);
	});

	test("a client that never finishes its body is cut once LATCHKEY_REQUEST_TIMEOUT_MS passes", async () => {
		const server = await start({ LATCHKEY_HEADERS_TIMEOUT_MS: "200", LATCHKEY_REQUEST_TIMEOUT_MS: "300" });
		const socket = await openRaw(server);
		const closed = readUntilClose(socket);
		// Authenticated, so the route goes on to read the body that never comes.
		socket.write(
			`POST /v3/users/superhero1/auth_tokens HTTP/1.1\r\nHost: localhost\r\nappid: ${seed.app.id}\r\napikey: ${seed.authKey}\r\n` +
				"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
		);
		const { text } = await closed;
		expect(text.split("\r\n")[0]).toBe("HTTP/1.1 408 Request Timeout");
	});
});

describe("realtime socket caps", () => {
	test("unauthenticated sockets from one address past LATCHKEY_WS_MAX_UNAUTHENTICATED_PER_IP are refused with 429", async () => {
		const server = await start({ LATCHKEY_WS_MAX_UNAUTHENTICATED_PER_IP: "2" });
		const first = await upgrade(server);
		await upgrade(server);
		expect((await upgrade(server)).status).toBe(429);
		// Another address has its own allowance.
		expect((await upgrade(server, "127.0.0.2")).status).toBe(101);
		// An authenticated socket no longer counts against its address.
		expect(await authenticate(first.socket, "superhero1", await mintJWT(server, "superhero1"))).toBe("200");
		expect((await upgrade(server)).status).toBe(101);
		expect((await upgrade(server)).status).toBe(429);
	});

	test("a closed unauthenticated socket frees its place", async () => {
		const server = await start({ LATCHKEY_WS_MAX_UNAUTHENTICATED_PER_IP: "1" });
		const first = await upgrade(server);
		expect((await upgrade(server)).status).toBe(429);
		const gone = new Promise((resolve) => first.socket.once("close", resolve));
		first.socket.close();
		await within(gone, "the close");
		await within(
			(async () => {
				// The server sees the close a moment after the client does.
				while (server.hub.connectionCount() > 0) await new Promise((resolve) => setImmediate(resolve));
			})(),
			"the server to drop the socket",
		);
		expect((await upgrade(server)).status).toBe(101);
	});

	test("unauthenticated sockets past LATCHKEY_WS_MAX_UNAUTHENTICATED in total are refused with 503", async () => {
		const server = await start({ LATCHKEY_WS_MAX_UNAUTHENTICATED: "2" });
		await upgrade(server, "127.0.0.1");
		await upgrade(server, "127.0.0.2");
		expect((await upgrade(server, "127.0.0.3")).status).toBe(503);
	});

	test("sockets past LATCHKEY_WS_MAX_SOCKETS, authenticated ones included, are refused with 503", async () => {
		const server = await start({ LATCHKEY_WS_MAX_SOCKETS: "2" });
		const first = await upgrade(server);
		expect(await authenticate(first.socket, "superhero1", await mintJWT(server, "superhero1"))).toBe("200");
		await upgrade(server);
		expect((await upgrade(server, "127.0.0.2")).status).toBe(503);
	});

	test("an authenticated socket past LATCHKEY_WS_MAX_SOCKETS_PER_USER is closed with 4004 too_many_sockets", async () => {
		const server = await start({ LATCHKEY_WS_MAX_SOCKETS_PER_USER: "2" });
		const jwt = await mintJWT(server, "superhero1");
		for (let i = 0; i < 2; i += 1)
			expect(await authenticate((await upgrade(server)).socket, "superhero1", jwt)).toBe("200");
		expect(await authenticate((await upgrade(server)).socket, "superhero1", jwt)).toBe("4004 too_many_sockets");
		expect(server.hub.liveSocketCount(seed.app.id, "superhero1")).toBe(2);
		// Another user of the app is not affected.
		expect(await authenticate((await upgrade(server)).socket, "superhero2", await mintJWT(server, "superhero2"))).toBe(
			"200",
		);
	});
});
