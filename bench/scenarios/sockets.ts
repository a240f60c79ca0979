import os from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import WebSocket from "ws";
import { createDeployment, type LatchkeyDeployment } from "../latchkey-server.ts";
import { type ChildServer, readCPUMilliseconds, readRSSBytes, startChild } from "../processes.ts";
import type { SocketResult } from "../results.ts";
import { seedTokens, seedUsers } from "../seed.ts";
import type { SocketClientCommand, SocketClientEvent, SocketIdentity } from "../socket-protocol.ts";
import type { ScenarioContext } from "./context.ts";
import { percentile } from "./stats.ts";

const FULL = { sockets: 10_000, revoke: 1_000, pingIntervalMs: 15_000, idleSeconds: 30 };
const SMOKE = { sockets: 200, revoke: 50, pingIntervalMs: 500, idleSeconds: 2 };
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
 * Many authenticated sockets on one node from a separate client process: server RSS and CPU while idle with
 * the SDK's pings, then revocation of some tokens over REST and how long until each socket closes with 4001.
 */
export async function runSocketScenario(context: ScenarioContext): Promise<SocketResult | { skipped: string }> {
	const plan = context.smoke ? SMOKE : FULL;
	const deployment = await createDeployment("sqlite", {
		...(context.profileDir && { profileDir: context.profileDir }),
		serverFlags: context.serverFlags,
	});
	let client: ChildServer | null = null;
	try {
		const appId = deployment.credentials.appId;
		const tokens = await deployment.withStore(async (store) => {
			const uids = await seedUsers(store, appId, "ws", plan.sockets);
			return await seedTokens(store, appId, uids, plan.sockets, { presented: plan.sockets });
		});
		await deployment.start();
		const server = deployment.server;
		if (!server) throw new Error("server did not start");
		const unavailable = await probeRealtime(deployment.baseURL);
		if (unavailable) return { skipped: `realtime endpoint not available: ${unavailable}` };

		context.log(`sockets: minting ${plan.sockets} JWTs`);
		const identities = await mintJWTs(deployment, tokens);
		client = await startChild({
			entry: "bench/children/socket-client.ts",
			env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir() },
			readyPattern: /socket client ready/,
			ipc: true,
		});
		const channel = createClientChannel(client);
		const rssBeforeBytes = readRSSBytes(server.pid);
		context.log(`sockets: opening ${plan.sockets}`);
		const opened = await channel.request(
			{ type: "open", url: deployment.baseURL.replace(/^http/, "ws"), appId, identities },
			"opened",
			OPEN_TIMEOUT_MS,
		);
		if (opened.failed > 0)
			context.note(`sockets: ${opened.failed} failed to authenticate (first: ${opened.firstError})`);

		await channel.request({ type: "ping", intervalMs: plan.pingIntervalMs }, "pinging", 10_000);
		context.log(`sockets: idle with pings for ${plan.idleSeconds} s`);
		const cpuBefore = readCPUMilliseconds(server.pid);
		const idleStarted = performance.now();
		// A measurement window, not a wait for an event: CPU is averaged over it.
		await delay(plan.idleSeconds * 1000);
		const idleMs = performance.now() - idleStarted;
		const idleCPUPercent = ((readCPUMilliseconds(server.pid) - cpuBefore) / idleMs) * 100;
		const idleRSSBytes = readRSSBytes(server.pid);
		const stats = await channel.request({ type: "stats" }, "stats", 10_000);

		context.log(`sockets: revoking ${plan.revoke}`);
		const revoked = identities.slice(0, plan.revoke);
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

		const { closes } = await channel.request(
			{ type: "await-closes", tokenIds: revoked.map((identity) => identity.tokenId), timeoutMs: CLOSE_WAIT_MS },
			"closes",
			CLOSE_WAIT_MS + 10_000,
		);
		const latencies = closes
			.filter((close) => close.code === CLOSE_SESSION_REVOKED)
			.map((close) => close.at - (sentAt.get(close.tokenId) ?? Number.NaN))
			.filter((latency) => Number.isFinite(latency))
			.sort((a, b) => a - b);
		return {
			sockets: plan.sockets,
			authenticated: opened.authenticated,
			rssBeforeBytes,
			idleRSSBytes,
			idleSeconds: idleMs / 1000,
			pingsPerSecond: (opened.authenticated * 1000) / plan.pingIntervalMs,
			pongs: stats.pongs,
			idleCPUPercent,
			revoked: revoked.length,
			closedWith4001: latencies.length,
			closeP50Ms: percentile(latencies, 50),
			closeP99Ms: percentile(latencies, 99),
			closeMaxMs: latencies.at(-1) ?? Number.NaN,
			deleteP50Ms: percentile(
				deleteMs.sort((a, b) => a - b),
				50,
			),
			deleteP99Ms: percentile(deleteMs, 99),
			revokeConcurrency: REVOKE_CONCURRENCY,
			unexpectedCloses: closes.filter((close) => !sentAt.has(close.tokenId)).length,
		};
	} finally {
		if (client) {
			const exited = new Promise<void>((resolve) => client?.child.once("exit", () => resolve()));
			if (client.child.connected) client.child.send({ type: "shutdown" } satisfies SocketClientCommand);
			await Promise.race([exited, delay(5_000)]);
			await client.stop();
		}
		await deployment.destroy();
	}
}
