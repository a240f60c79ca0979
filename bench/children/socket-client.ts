import WebSocket from "ws";
import type { SocketClientCommand, SocketClientEvent, SocketIdentity } from "../socket-protocol.ts";

// Many sockets from one process (the bench starts several), driven by the bench over IPC. Times are epoch milliseconds with sub-millisecond
// precision (timeOrigin + now), so the bench can compare them with its own.
const OPEN_CONCURRENCY = 200;
const AUTH_TIMEOUT_MS = 30_000;

interface Held {
	identity: SocketIdentity;
	socket: WebSocket;
}

const held: Held[] = [];
const closes: Array<{ tokenId: string; code: number; at: number }> = [];
let pongs = 0;
let pingTimers: NodeJS.Timeout[] = [];
let awaiting: { tokenIds: Set<string>; timer: NodeJS.Timeout } | null = null;

function now(): number {
	return performance.timeOrigin + performance.now();
}

function send(event: SocketClientEvent): void {
	process.send?.(event);
}

/** Answers a pending `await-closes` once all of its tokens' sockets closed. */
function checkAwaitedCloses(force: boolean): void {
	if (!awaiting) return;
	const closed = new Set(closes.map((close) => close.tokenId));
	if (!force && [...awaiting.tokenIds].some((tokenId) => !closed.has(tokenId))) return;
	clearTimeout(awaiting.timer);
	awaiting = null;
	send({ type: "closes", closes: [...closes] });
}

function openOne(url: string, identity: SocketIdentity, appId: string, localAddress: string): Promise<string | null> {
	return new Promise((resolve) => {
		// One source address has ~28k ephemeral ports; the bench spreads tens of thousands of sockets over several.
		const socket = new WebSocket(url, { perMessageDeflate: false, localAddress });
		let settled = false;
		const settle = (error: string | null) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			resolve(error);
		};
		const timer = setTimeout(() => settle("auth timed out"), AUTH_TIMEOUT_MS);
		socket.on("open", () => {
			socket.send(
				JSON.stringify({
					appId,
					type: "auth",
					sender: identity.uid,
					deviceId: `bench-${identity.tokenId}`,
					body: { auth: identity.jwt, deviceId: `bench-${identity.tokenId}` },
				}),
			);
		});
		socket.on("message", (data, isBinary) => {
			if (isBinary) return;
			const frame = JSON.parse(data.toString()) as { type?: string; action?: string; body?: { code?: string } };
			if (frame.action === "pong") {
				pongs++;
				return;
			}
			if (frame.type === "auth") {
				if (frame.body?.code === "200") {
					held.push({ identity, socket });
					settle(null);
				} else settle(`auth answered ${frame.body?.code}`);
			}
		});
		socket.on("close", (code) => {
			closes.push({ tokenId: identity.tokenId, code, at: now() });
			checkAwaitedCloses(false);
			settle(`closed with ${code} before auth`);
		});
		socket.on("error", (error) => settle(error.message));
	});
}

async function openAll(
	url: string,
	appId: string,
	identities: SocketIdentity[],
	localAddresses: string[],
): Promise<void> {
	let next = 0;
	let failed = 0;
	let firstError: string | null = null;
	const worker = async () => {
		while (next < identities.length) {
			const index = next++;
			const identity = identities[index];
			if (!identity) break;
			const localAddress = localAddresses[index % localAddresses.length] ?? "127.0.0.1";
			const error = await openOne(url, identity, appId, localAddress);
			if (error) {
				failed++;
				firstError ??= error;
			}
		}
	};
	await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, worker));
	send({ type: "opened", authenticated: held.length, failed, firstError });
}

function startPings(intervalMs: number): void {
	// Spread evenly over the interval, as thousands of independent clients would be.
	held.forEach(({ socket }, index) => {
		const offset = (intervalMs * index) / Math.max(1, held.length);
		const start = setTimeout(() => {
			const ping = () => {
				if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ action: "ping", ack: "true" }));
			};
			ping();
			pingTimers.push(setInterval(ping, intervalMs));
		}, offset);
		pingTimers.push(start);
	});
}

process.on("message", (message: SocketClientCommand) => {
	if (message.type === "open") {
		openAll(message.url, message.appId, message.identities, message.localAddresses).catch((error: unknown) => {
			send({ type: "opened", authenticated: held.length, failed: -1, firstError: String(error) });
		});
	} else if (message.type === "ping") {
		startPings(message.intervalMs);
		send({ type: "pinging" });
	} else if (message.type === "stats") {
		send({ type: "stats", pongs, open: held.filter((h) => h.socket.readyState === WebSocket.OPEN).length });
	} else if (message.type === "await-closes") {
		awaiting = {
			tokenIds: new Set(message.tokenIds),
			timer: setTimeout(() => checkAwaitedCloses(true), message.timeoutMs),
		};
		checkAwaitedCloses(false);
	} else if (message.type === "shutdown") {
		for (const timer of pingTimers) clearTimeout(timer);
		pingTimers = [];
		for (const { socket } of held) socket.terminate();
		process.disconnect();
	}
});
send({ type: "ready" });
console.log("socket client ready");
