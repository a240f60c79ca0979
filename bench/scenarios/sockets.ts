import os from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import WebSocket from "ws";
import { createDeployment, type LatchkeyDeployment } from "../latchkey-server.ts";
import { type ChildServer, readCPUMilliseconds, readOpenFilesLimit, readRSSBytes, startChild } from "../processes.ts";
import type { SocketResult } from "../results.ts";
import { seedTokens, seedUsers } from "../seed.ts";
import type { SocketClientCommand, SocketClientEvent, SocketIdentity } from "../socket-protocol.ts";
import { TARGET_SOCKETS } from "../targets.ts";
import type { ScenarioContext } from "./context.ts";
import { percentile } from "./stats.ts";

const FULL = { revoke: 1_000, pingIntervalMs: 15_000, idleSeconds: 30 };
const SMOKE = { sockets: 200, revoke: 50, pingIntervalMs: 500, idleSeconds: 2 };
/** File descriptors left to the server for its listener, database files, REST connections and the rest. */
const OPEN_FILES_MARGIN = 1_000;
/** Each client process stays far under its own open-files limit. */
const MAX_SOCKETS_PER_CLIENT = 8_000;
/** Each source address has ~28k ephemeral ports (net.ipv4.ip_local_port_range); this leaves headroom. */
const MAX_SOCKETS_PER_ADDRESS = 20_000;
/** At least this many client processes and source addresses, so the smoke run exercises the spreading too. */
const MIN_SPREAD = 2;
const MINT_CONCURRENCY = 50;
const REVOKE_CONCURRENCY = 10;
const OPEN_TIMEOUT_MS = 300_000;
const CLOSE_WAIT_MS = 20_000;
/** The close code the hub sends when a socket's session was revoked (realtime/close-codes.ts). */
const CLOSE_SESSION_REVOKED = 4001;

function now(): number {
	return performance.timeOrigin + performance.now();
}

/** Resolves with the reason the endpoint cannot be used, or null when a WebSocket upgrade on `/` succeeds. */
async function probeRealtime(baseURL: string): Promise<string | null> {
	return await new Promise((resolve) => {
		const socket = new WebSocket(baseURL.replace(/^http/, "ws"));
		const timer = setTimeout(() => {
			socket.terminate();
			resolve("no answer to a WebSocket upgrade within 5 s");
		}, 5_000);
		socket.once("open", () => {
			clearTimeout(timer);
			socket.close();
			resolve(null);
		});
		socket.once("unexpected-response", (_request, response) => {
			clearTimeout(timer);
			resolve(`the upgrade was answered with HTTP ${response.statusCode}`);
		});
		socket.once("error", (error) => {
			clearTimeout(timer);
			resolve(`the upgrade failed: ${error.message}`);
		});
	});
}

async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const item = items[next++];
			if (item !== undefined) await work(item);
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
}

/** login(authToken) for each token, as the SDK does before it opens its socket: the answer carries the JWT. */
async function mintJWTs(deployment: LatchkeyDeployment, tokens: Array<{ uid: string; id: string; plaintext: string }>) {
	const identities: SocketIdentity[] = [];
	await runPool(tokens, MINT_CONCURRENCY, async (token) => {
		const response = await fetch(`${deployment.baseURL}/v3.0/me`, {
			method: "PUT",
			headers: { appid: deployment.credentials.appId, authtoken: token.plaintext, "content-type": "application/json" },
			body: JSON.stringify({ platform: "WEB", deviceId: "bench-socket" }),
		});
		const body = (await response.json()) as { data?: { jwt?: string } };
		if (response.status !== 200 || !body.data?.jwt) throw new Error(`PUT /v3.0/me answered ${response.status}`);
		identities.push({ uid: token.uid, tokenId: token.id, jwt: body.data.jwt });
	});
	return identities;
}

/** 127.0.0.2, 127.0.0.3, …: the whole of 127/8 is the loopback interface on Linux. */
function sourceAddresses(count: number): string[] {
	return Array.from({ length: count }, (_, index) => `127.0.0.${index + 2}`);
}

/** Splits `items` into `parts` contiguous slices of near-equal length. */
function splitEvenly<T>(items: T[], parts: number): T[][] {
	const size = Math.ceil(items.length / parts);
	return Array.from({ length: parts }, (_, index) => items.slice(index * size, (index + 1) * size));
}

interface SocketPlan {
	sockets: number;
	/** "--sockets", "smoke", or the limit the default came from. */
	chosenBy: string;
}

/** The default count for an open-files limit: the limit minus the margin, at most issue 11's figure. */
function socketsForLimit(limit: number, who: string): SocketPlan {
	const room = Math.max(1, limit - OPEN_FILES_MARGIN);
	const capped = room > TARGET_SOCKETS ? `, capped at ${TARGET_SOCKETS}` : "";
	return {
		sockets: Math.min(TARGET_SOCKETS, room),
		chosenBy: `${who} open-files limit ${limit} − ${OPEN_FILES_MARGIN}${capped}`,
	};
}

/** What to seed before the server runs: `--sockets`, or what the bench's own open-files limit allows. */
function planSockets(context: ScenarioContext): SocketPlan {
	if (context.sockets !== null) return { sockets: context.sockets, chosenBy: "--sockets" };
	if (context.smoke) return { sockets: SMOKE.sockets, chosenBy: "smoke" };
	const limit = readOpenFilesLimit("self");
	return limit === null
		? { sockets: TARGET_SOCKETS, chosenBy: "no open-files limit" }
		: socketsForLimit(limit, "bench");
}

/** The server's own limit decides the default; an explicit `--sockets` is kept (and noted when it cannot fit). */
function fitToServer(plan: SocketPlan, serverLimit: number | null, context: ScenarioContext): SocketPlan {
	if (serverLimit === null || plan.chosenBy === "smoke") return plan;
	if (plan.chosenBy !== "--sockets") {
		const fitted = socketsForLimit(serverLimit, "server");
		// Only as many as were seeded (the bench's limit may be the lower one).
		return fitted.sockets <= plan.sockets ? fitted : plan;
	}
	if (plan.sockets > serverLimit - OPEN_FILES_MARGIN) {
		context.note(
			`sockets: --sockets ${plan.sockets} exceeds the server's open-files limit (${serverLimit}) minus ${OPEN_FILES_MARGIN}; expect failures`,
		);
	}
	return plan;
}

function createClientChannel(client: ChildServer) {
	const waiting: Array<{ type: string; resolve: (event: SocketClientEvent) => void }> = [];
	client.child.on("message", (event: SocketClientEvent) => {
		const index = waiting.findIndex((entry) => entry.type === event.type);
		if (index >= 0) waiting.splice(index, 1)[0]?.resolve(event);
	});
	return {
		request<T extends SocketClientEvent["type"]>(
			command: SocketClientCommand,
			answer: T,
			timeoutMs: number,
		): Promise<Extract<SocketClientEvent, { type: T }>> {
			return new Promise((resolve, reject) => {
				const timer = setTimeout(
					() => reject(new Error(`socket client: no "${answer}" in ${timeoutMs} ms`)),
					timeoutMs,
				);
				waiting.push({
					type: answer,
					resolve: (event) => {
						clearTimeout(timer);
						resolve(event as Extract<SocketClientEvent, { type: T }>);
					},
				});
				client.child.send(command);
			});
		},
	};
}

/**
 * Many authenticated sockets on one node, opened by several client processes from several source addresses:
 * server RSS and CPU while idle with the SDK's pings, then revocation of some tokens over REST and how long until
 * each socket closes with 4001.
 */
export async function runSocketScenario(context: ScenarioContext): Promise<SocketResult | { skipped: string }> {
	const timing = context.smoke ? SMOKE : FULL;
	const seeded = planSockets(context);
	const deployment = await createDeployment("sqlite", {
		...(context.profileDir && { profileDir: context.profileDir }),
		serverFlags: context.serverFlags,
	});
	const clients: ChildServer[] = [];
	try {
		const appId = deployment.credentials.appId;
		context.log(`sockets: seeding ${seeded.sockets} users and tokens`);
		const tokens = await deployment.withStore(async (store) => {
			const uids = await seedUsers(store, appId, "ws", seeded.sockets);
			return await seedTokens(store, appId, uids, seeded.sockets, { presented: seeded.sockets });
		});
		await deployment.start();
		const server = deployment.server;
		if (!server) throw new Error("server did not start");
		const unavailable = await probeRealtime(deployment.baseURL);
		if (unavailable) return { skipped: `realtime endpoint not available: ${unavailable}` };
		const serverOpenFilesLimit = readOpenFilesLimit(server.pid);
		const plan = fitToServer(seeded, serverOpenFilesLimit, context);
		const clientCount = Math.max(MIN_SPREAD, Math.ceil(plan.sockets / MAX_SOCKETS_PER_CLIENT));
		const addresses = sourceAddresses(Math.max(MIN_SPREAD, Math.ceil(plan.sockets / MAX_SOCKETS_PER_ADDRESS)));

		context.log(`sockets: minting ${plan.sockets} JWTs`);
		const identities = await mintJWTs(deployment, tokens.slice(0, plan.sockets));
		const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir() };
		for (let index = 0; index < clientCount; index++) {
			clients.push(
				await startChild({
					entry: "bench/children/socket-client.ts",
					env,
					readyPattern: /socket client ready/,
					ipc: true,
				}),
			);
		}
		const channels = clients.map(createClientChannel);
		const shares = splitEvenly(identities, clientCount);
		const rssBeforeBytes = readRSSBytes(server.pid);
		context.log(
			`sockets: opening ${plan.sockets} from ${clientCount} client processes and ${addresses.length} source addresses`,
		);
		const url = deployment.baseURL.replace(/^http/, "ws");
		// Opened in two halves: the RSS between them gives the cost per socket without the fixed part.
		const openPart = async (part: (share: SocketIdentity[]) => SocketIdentity[]) => {
			const answers = await Promise.all(
				channels.map((channel, index) =>
					channel.request(
						{ type: "open", url, appId, identities: part(shares[index] ?? []), localAddresses: addresses },
						"opened",
						OPEN_TIMEOUT_MS,
					),
				),
			);
			return {
				authenticated: answers.reduce((sum, opened) => sum + opened.authenticated, 0),
				failed: answers.reduce((sum, opened) => sum + Math.max(0, opened.failed), 0),
				firstError: answers.find((opened) => opened.firstError)?.firstError ?? null,
			};
		};
		const half = (share: SocketIdentity[]) => Math.ceil(share.length / 2);
		const firstHalf = await openPart((share) => share.slice(0, half(share)));
		const rssHalfBytes = readRSSBytes(server.pid);
		const secondHalf = await openPart((share) => share.slice(half(share)));
		const rssOpenedBytes = readRSSBytes(server.pid);
		const authenticated = secondHalf.authenticated;
		const failed = firstHalf.failed + secondHalf.failed;
		if (failed > 0)
			context.note(
				`sockets: ${failed} failed to authenticate (first: ${firstHalf.firstError ?? secondHalf.firstError})`,
			);

		await Promise.all(
			channels.map((channel) =>
				channel.request({ type: "ping", intervalMs: timing.pingIntervalMs }, "pinging", 10_000),
			),
		);
		context.log(`sockets: idle with pings for ${timing.idleSeconds} s`);
		const cpuBefore = readCPUMilliseconds(server.pid);
		const idleStarted = performance.now();
		// A measurement window, not a wait for an event: CPU is averaged over it.
		await delay(timing.idleSeconds * 1000);
		const idleMs = performance.now() - idleStarted;
		const idleCPUPercent = ((readCPUMilliseconds(server.pid) - cpuBefore) / idleMs) * 100;
		const idleRSSBytes = readRSSBytes(server.pid);
		const stats = await Promise.all(channels.map((channel) => channel.request({ type: "stats" }, "stats", 10_000)));
		const pongs = stats.reduce((sum, stat) => sum + stat.pongs, 0);

		// Spread over every client process and source address, as real revocations would be.
		// A quarter at most, so a small --sockets run still has sockets that must stay open.
		const revokeCount = Math.min(timing.revoke, Math.ceil(identities.length / 4));
		const step = Math.max(1, Math.floor(identities.length / Math.max(1, revokeCount)));
		const revoked = identities.filter((_, index) => index % step === 0).slice(0, revokeCount);
		context.log(`sockets: revoking ${revoked.length}`);
		const sentAt = new Map<string, number>();
		const deleteMs: number[] = [];
		let failedRevocations = 0;
		await runPool(revoked, REVOKE_CONCURRENCY, async (identity) => {
			const sent = now();
			sentAt.set(identity.tokenId, sent);
			const response = await fetch(`${deployment.baseURL}/v3/users/${identity.uid}/auth_tokens/${identity.tokenId}`, {
				method: "DELETE",
				headers: { appid: appId, apikey: deployment.credentials.restApiKey },
			});
			await response.arrayBuffer();
			deleteMs.push(now() - sent);
			if (response.status !== 200) failedRevocations++;
		});
		if (failedRevocations > 0) context.note(`sockets: ${failedRevocations} revocations did not answer 200`);

		const closeAnswers = await Promise.all(
			channels.map((channel, index) => {
				const held = new Set((shares[index] ?? []).map((identity) => identity.tokenId));
				const tokenIds = revoked.map((identity) => identity.tokenId).filter((tokenId) => held.has(tokenId));
				return channel.request(
					{ type: "await-closes", tokenIds, timeoutMs: CLOSE_WAIT_MS },
					"closes",
					CLOSE_WAIT_MS + 10_000,
				);
			}),
		);
		const closes = closeAnswers.flatMap((answer) => answer.closes);
		const latencies = closes
			.filter((close) => close.code === CLOSE_SESSION_REVOKED)
			.map((close) => close.at - (sentAt.get(close.tokenId) ?? Number.NaN))
			.filter((latency) => Number.isFinite(latency))
			.sort((a, b) => a - b);
		deleteMs.sort((a, b) => a - b);
		const openedBetween = authenticated - firstHalf.authenticated;
		const rssPerSocketBytes = openedBetween > 0 ? (rssOpenedBytes - rssHalfBytes) / openedBetween : Number.NaN;
		return {
			sockets: plan.sockets,
			socketsChosenBy: plan.chosenBy,
			serverOpenFilesLimit,
			clientProcesses: clientCount,
			sourceAddresses: addresses,
			authenticated,
			rssBeforeBytes,
			halfAuthenticated: firstHalf.authenticated,
			rssHalfBytes,
			rssOpenedBytes,
			idleRSSBytes,
			rssPerSocketBytes,
			rssAt50kBytes:
				authenticated >= TARGET_SOCKETS
					? idleRSSBytes
					: idleRSSBytes + rssPerSocketBytes * (TARGET_SOCKETS - authenticated),
			idleSeconds: idleMs / 1000,
			pingsPerSecond: (authenticated * 1000) / timing.pingIntervalMs,
			pongs,
			idleCPUPercent,
			revoked: revoked.length,
			closedWith4001: latencies.length,
			closeP50Ms: percentile(latencies, 50),
			closeP99Ms: percentile(latencies, 99),
			closeMaxMs: latencies.at(-1) ?? Number.NaN,
			deleteP50Ms: percentile(deleteMs, 50),
			deleteP99Ms: percentile(deleteMs, 99),
			revokeConcurrency: REVOKE_CONCURRENCY,
			unexpectedCloses: closes.filter((close) => !sentAt.has(close.tokenId)).length,
		};
	} finally {
		await Promise.all(clients.map(stopClient));
		await deployment.destroy();
	}
}

async function stopClient(client: ChildServer): Promise<void> {
	const exited = new Promise<void>((resolve) => client.child.once("exit", () => resolve()));
	if (client.child.connected) client.child.send({ type: "shutdown" } satisfies SocketClientCommand);
	await Promise.race([exited, delay(5_000)]);
	await client.stop();
}
