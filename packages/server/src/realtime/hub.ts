import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import type { DomainDeps } from "../domain/deps.ts";
import { verifyRealtimeJWT } from "../domain/jwt.ts";
import type { EventBus } from "../events/bus.ts";
import type { BusEvent, RevocationReason } from "../events/change-event.ts";
import { clientAddress } from "../web/client-address.ts";
import type { RateLimits } from "../web/rate-limits.ts";
import {
	CLOSE_AUTH_FAILED,
	CLOSE_AUTH_TIMEOUT,
	CLOSE_GOING_AWAY,
	CLOSE_INTERNAL_ERROR,
	CLOSE_REASON_AUTH_FAILED,
	CLOSE_REASON_AUTH_TIMEOUT,
	CLOSE_REASON_GOING_AWAY,
	CLOSE_REASON_INTERNAL_ERROR,
	CLOSE_REASON_TOO_MANY_REQUESTS,
	CLOSE_REASON_TOO_MANY_SOCKETS,
	CLOSE_SESSION_REVOKED,
	CLOSE_TOO_MANY_SOCKETS,
	CLOSE_TRY_AGAIN_LATER,
} from "./close-codes.ts";
import {
	encodeAuthAccepted,
	isAuthAttempt,
	isPingFrame,
	PONG_FRAME,
	parseClientFrame,
	peekRealtimeClaims,
	readAuthFrame,
} from "./frames.ts";
import type { PresenceSink } from "./presence-tracker.ts";
import { type LiveSocket, SocketRegistry } from "./socket-registry.ts";

/** Schedules `callback` after `ms`; returns the function that cancels it. Tests inject one they fire by hand. */
export type SetTimer = (callback: () => void, ms: number) => () => void;

export interface RealtimeHubOptions {
	/** How long a socket may stay open without a valid auth frame. */
	authTimeoutMs?: number;
	/** How long `close()` waits for clients to answer the close handshake before cutting them off. */
	shutdownGraceMs?: number;
	/** Largest frame accepted; the SDK's auth frame is about 1 KB. */
	maxPayloadBytes?: number;
	/**
	 * How often live sockets are checked against the store (`reconcile()`), catching revocations this node never
	 * heard of (another process such as the CLI, or a missed cross-node notification). 0 turns it off.
	 */
	reconcileIntervalMs?: number;
	/**
	 * How often every socket gets a protocol-level ping; one that has not answered the previous ping (nor sent
	 * anything) is cut off, so a vanished peer does not stay registered forever. 0 turns it off.
	 */
	heartbeatIntervalMs?: number;
	/**
	 * Sockets from one address that have not authenticated yet (the handshake included); more are refused with
	 * HTTP 429 before the handshake. Authenticated sockets do not count. No cap unless given (config.ts gives one).
	 */
	maxUnauthenticatedSocketsPerIP?: number;
	/** Sockets on this node that have not authenticated yet, from all addresses; more are refused with HTTP 503. */
	maxUnauthenticatedSockets?: number;
	/** Sockets on this node, authenticated or not; more are refused with HTTP 503. */
	maxSockets?: number;
	/** Authenticated sockets of one user on this node; one more is closed with 4004 instead of being accepted. */
	maxSocketsPerUser?: number;
	/** Count a socket by its `X-Forwarded-For` address (set by a trusted proxy) instead of the proxy's. */
	trustProxy?: boolean;
	/**
	 * The node's rate limits, shared with the REST API: an address over its failure budget is refused (HTTP 429
	 * before the handshake, or 1013 on its auth frame), a failed auth counts against its address, an accepted one
	 * against its user, and a user over budget is closed with 1013. No limits unless given.
	 */
	rateLimits?: RateLimits;
	setTimer?: SetTimer;
}

export interface RealtimeHubDeps {
	domain: DomainDeps;
	logger: Logger;
	/**
	 * When given, the hub follows it until `close()`: revoked tokens and deactivated or deleted users lose their
	 * sockets, and a `resync` (events may have been missed) re-checks every live socket against the store.
	 */
	bus?: EventBus;
	/**
	 * Told of every socket that authenticates and of every authenticated socket that goes (presence, issue 14). The
	 * "200 OK" waits until the user reads online.
	 */
	presence?: PresenceSink;
}

/** This node's realtime endpoint: accepts the SDK's socket, keeps it alive, closes it when its session dies. */
export interface RealtimeHub {
	/** The node server's `upgrade` listener. Only `/` is the realtime endpoint; other paths get 404. */
	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
	/** Closes with 4001 the sockets an event ends; re-checks them all on `resync`. Returns how many closed. */
	handleEvent(event: BusEvent): Promise<number>;
	/** The token ids this node holds sockets for (authenticated or still verifying), for re-checks. */
	liveTokenIds(): string[];
	/** Closes with 4001 and `reason` every socket of these tokens; returns how many closed. */
	closeTokens(tokenIds: readonly string[], reason: RevocationReason): number;
	/** Closes (4001 "revoked") every socket whose token no longer exists in the store; returns how many. */
	reconcile(): Promise<number>;
	/** Open sockets, authenticated or not. */
	connectionCount(): number;
	/** This node's authenticated sockets of an app, or of one user of it (what the dashboard shows). */
	liveSocketCount(appId: string, uid?: string): number;
	/** Refuses new sockets, closes every socket with 1001 and waits (bounded) for them to go. */
	close(): Promise<void>;
}

/** Ids per `findExistingAuthTokenIds` call, to keep each query's parameter list bounded. */
const RECONCILE_BATCH = 500;

const realSetTimer: SetTimer = (callback, ms) => {
	const timer = setTimeout(callback, ms);
	timer.unref();
	return () => clearTimeout(timer);
};

const UPGRADE_REFUSALS = { 404: "Not Found", 429: "Too Many Requests", 503: "Service Unavailable" } as const;

function rejectUpgrade(socket: Duplex, status: keyof typeof UPGRADE_REFUSALS): void {
	socket.end(`HTTP/1.1 ${status} ${UPGRADE_REFUSALS[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function isRealtimePath(url: string | undefined): boolean {
	return new URL(url ?? "/", "http://localhost").pathname === "/";
}

function sameId(a: string | null, b: string): boolean {
	return a === null || a.toLowerCase() === b.toLowerCase();
}

/**
 * Creates the hub. Wire it with `server.on("upgrade", hub.handleUpgrade)` and give it the bus the domain
 * publishes change events to.
 *
 * @example
 * const hub = createRealtimeHub({ domain, logger, bus });
 * server.on("upgrade", hub.handleUpgrade);
 */
export function createRealtimeHub(deps: RealtimeHubDeps, options: RealtimeHubOptions = {}): RealtimeHub {
	const authTimeoutMs = options.authTimeoutMs ?? 5_000;
	const shutdownGraceMs = options.shutdownGraceMs ?? 2_000;
	const setTimer = options.setTimer ?? realSetTimer;
	const reconcileIntervalMs = options.reconcileIntervalMs ?? 30_000;
	const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 30_000;
	const maxUnauthenticatedPerIP = options.maxUnauthenticatedSocketsPerIP ?? Number.POSITIVE_INFINITY;
	const maxUnauthenticated = options.maxUnauthenticatedSockets ?? Number.POSITIVE_INFINITY;
	const maxSockets = options.maxSockets ?? Number.POSITIVE_INFINITY;
	const maxSocketsPerUser = options.maxSocketsPerUser ?? Number.POSITIVE_INFINITY;
	const limits = options.rateLimits;
	const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 64 * 1024 });
	const registry = new SocketRegistry();
	const sockets = new Set<WebSocket>();
	// Whether each socket showed life (a pong or any frame) since the last heartbeat.
	const alive = new WeakMap<WebSocket, boolean>();
	const log = deps.logger.child({ component: "realtime" });
	let closing = false;
	// Counted from the accepted upgrade (before the handshake) until the connection closes, or until it
	// authenticates for the unauthenticated counts: sockets that never authenticate are what an attacker holds.
	let openCount = 0;
	let unauthenticatedCount = 0;
	const unauthenticatedByAddress = new Map<string, number>();

	function countUnauthenticated(address: string, delta: number): void {
		unauthenticatedCount += delta;
		const count = (unauthenticatedByAddress.get(address) ?? 0) + delta;
		if (count === 0) unauthenticatedByAddress.delete(address);
		else unauthenticatedByAddress.set(address, count);
	}

	/** Why a new upgrade from `address` is refused, or null when it fits under every cap. */
	function checkCaps(address: string): 429 | 503 | null {
		if (openCount >= maxSockets || unauthenticatedCount >= maxUnauthenticated) return 503;
		if ((unauthenticatedByAddress.get(address) ?? 0) >= maxUnauthenticatedPerIP) return 429;
		return null;
	}

	function closeSocket(socket: WebSocket, code: number, reason: string): void {
		if (socket.readyState === socket.CLOSING || socket.readyState === socket.CLOSED) return;
		socket.close(code, reason);
	}

	/** Takes a socket out of the registry; an authenticated one stops counting for presence (once). */
	function forget(entry: LiveSocket): void {
		registry.remove(entry);
		if (!entry.authenticated) return;
		entry.authenticated = false;
		deps.presence?.disconnected(entry.appId, entry.uid);
	}

	function closeEntries(entries: Iterable<LiveSocket>, reason: RevocationReason): number {
		let closed = 0;
		for (const entry of entries) {
			// Out of the registry at once, so liveTokenIds() and a second revocation no longer see it.
			forget(entry);
			closeSocket(entry.socket, CLOSE_SESSION_REVOKED, reason);
			closed += 1;
		}
		return closed;
	}

	/** Closes a socket whose auth failed, counting the failure against its address. */
	async function refuseAuth(socket: WebSocket, address: string): Promise<void> {
		const decision = await limits?.recordFailure(address);
		if (decision && !decision.allowed)
			return closeSocket(socket, CLOSE_TRY_AGAIN_LATER, CLOSE_REASON_TOO_MANY_REQUESTS);
		closeSocket(socket, CLOSE_AUTH_FAILED, CLOSE_REASON_AUTH_FAILED);
	}

	async function authenticate(
		socket: WebSocket,
		address: string,
		frame: Record<string, unknown>,
		onAccepted: () => void,
	): Promise<void> {
		if (limits?.blockedAddress(address))
			return closeSocket(socket, CLOSE_TRY_AGAIN_LATER, CLOSE_REASON_TOO_MANY_REQUESTS);
		const auth = readAuthFrame(frame);
		const claims = auth ? peekRealtimeClaims(auth.jwt) : null;
		if (!auth || !claims) return await refuseAuth(socket, address);
		// Indexed before verification: a token revoked while we look it up still closes this socket.
		const entry: LiveSocket = { socket, ...claims, authenticated: false };
		registry.add(entry);
		socket.once("close", () => forget(entry));
		let session: Awaited<ReturnType<typeof verifyRealtimeJWT>>;
		try {
			session = await verifyRealtimeJWT(deps.domain, auth.jwt);
		} catch (error) {
			log.error({ err: error }, "realtime auth lookup failed");
			registry.remove(entry);
			return closeSocket(socket, CLOSE_INTERNAL_ERROR, CLOSE_REASON_INTERNAL_ERROR);
		}
		if (socket.readyState !== socket.OPEN) return;
		const accepted =
			session !== null && sameId(auth.appId, session.token.appId) && sameId(auth.sender, session.user.uid);
		if (!session || !accepted) {
			registry.remove(entry);
			log.debug({ appId: claims.appId }, "realtime auth failed");
			return await refuseAuth(socket, address);
		}
		// Counted once the JWT is verified: a forged one cannot spend another user's budget.
		const refusal = await limits?.admitLogin(address, session.token.appId, session.user.uid);
		if (refusal || socket.readyState !== socket.OPEN) {
			registry.remove(entry);
			return closeSocket(socket, CLOSE_TRY_AGAIN_LATER, CLOSE_REASON_TOO_MANY_REQUESTS);
		}
		// Only sockets that were told "200 OK" count, so a forged JWT cannot use up a user's sockets.
		if (hub.liveSocketCount(session.token.appId, session.user.uid) >= maxSocketsPerUser) {
			registry.remove(entry);
			log.debug({ appId: claims.appId }, "realtime socket refused: too many sockets for the user");
			return closeSocket(socket, CLOSE_TOO_MANY_SOCKETS, CLOSE_REASON_TOO_MANY_SOCKETS);
		}
		entry.authenticated = true;
		const online = deps.presence?.connected(entry.appId, entry.uid);
		onAccepted();
		// A failed presence write is logged by the tracker; the session itself is fine, so the socket is accepted.
		if (online) await online;
		if (socket.readyState !== socket.OPEN) return;
		socket.send(encodeAuthAccepted({ appId: session.token.appId, sender: session.user.uid, deviceId: auth.deviceId }));
	}

	function onConnection(socket: WebSocket, address: string, onAuthenticated: () => void): void {
		sockets.add(socket);
		alive.set(socket, true);
		socket.on("pong", () => alive.set(socket, true));
		let authStarted = false;
		const cancelAuthTimer = setTimer(() => {
			closeSocket(socket, CLOSE_AUTH_TIMEOUT, CLOSE_REASON_AUTH_TIMEOUT);
		}, authTimeoutMs);
		socket.on("message", (data: RawData, isBinary: boolean) => {
			alive.set(socket, true);
			if (isBinary) return;
			const frame = parseClientFrame(data.toString());
			if (!frame) return;
			if (isPingFrame(frame)) {
				socket.send(PONG_FRAME);
				return;
			}
			// One auth per socket: the SDK sends exactly one, and a second must not swap identities.
			if (!isAuthAttempt(frame) || authStarted) return;
			authStarted = true;
			const onAccepted = (): void => {
				cancelAuthTimer();
				onAuthenticated();
			};
			authenticate(socket, address, frame, onAccepted).catch((error: unknown) => {
				log.error({ err: error }, "realtime auth crashed");
				closeSocket(socket, CLOSE_INTERNAL_ERROR, CLOSE_REASON_INTERNAL_ERROR);
			});
		});
		socket.on("error", (error) => log.debug({ err: error }, "realtime socket error"));
		socket.once("close", () => {
			cancelAuthTimer();
			sockets.delete(socket);
		});
	}

	const unsubscribe = deps.bus?.subscribe(async (event) => {
		const closed = await hub.handleEvent(event);
		if (event.type === "resync" && closed > 0) log.info({ closed }, "closed sockets whose session ended elsewhere");
	});
	let cancelHeartbeat = (): void => {};
	function scheduleHeartbeat(): void {
		if (heartbeatIntervalMs <= 0 || closing) return;
		cancelHeartbeat = setTimer(() => {
			for (const socket of sockets) {
				if (!alive.get(socket)) {
					socket.terminate();
					continue;
				}
				alive.set(socket, false);
				socket.ping();
			}
			scheduleHeartbeat();
		}, heartbeatIntervalMs);
	}

	let cancelReconcile = (): void => {};
	function scheduleReconcile(): void {
		if (reconcileIntervalMs <= 0 || closing) return;
		cancelReconcile = setTimer(() => {
			hub
				.reconcile()
				.catch((error: unknown) => log.error({ err: error }, "realtime reconcile failed"))
				.finally(scheduleReconcile);
		}, reconcileIntervalMs);
	}

	const hub: RealtimeHub = {
		handleUpgrade(request, socket, head) {
			if (request.headers.upgrade?.toLowerCase() !== "websocket") return;
			if (!isRealtimePath(request.url)) return rejectUpgrade(socket, 404);
			if (closing) return rejectUpgrade(socket, 503);
			const address = clientAddress({
				remoteAddress: request.socket.remoteAddress,
				forwardedFor: request.headers["x-forwarded-for"],
				trustProxy: options.trustProxy ?? false,
			});
			const refusal = limits?.blockedAddress(address) ? 429 : checkCaps(address);
			if (refusal !== null) return rejectUpgrade(socket, refusal);
			openCount += 1;
			countUnauthenticated(address, 1);
			let unauthenticated = true;
			const leaveUnauthenticated = (): void => {
				if (!unauthenticated) return;
				unauthenticated = false;
				countUnauthenticated(address, -1);
			};
			// The raw socket closes however the connection ends, a failed handshake included.
			socket.once("close", () => {
				openCount -= 1;
				leaveUnauthenticated();
			});
			wss.handleUpgrade(request, socket, head, (webSocket) => onConnection(webSocket, address, leaveUnauthenticated));
		},
		async handleEvent(event) {
			switch (event.type) {
				case "resync":
					return await hub.reconcile();
				case "token.revoked": {
					const matches = new Set<LiveSocket>();
					for (const tokenId of event.tokenIds) {
						for (const entry of registry.listByToken(tokenId)) if (entry.appId === event.appId) matches.add(entry);
					}
					if (event.uid !== undefined) {
						for (const entry of registry.listByUser(event.appId, event.uid)) matches.add(entry);
					}
					return closeEntries(matches, event.reason);
				}
				case "user.deactivated":
				case "user.deleted":
					return closeEntries(registry.listByUser(event.appId, event.uid), "user_deleted");
				case "app.deleted":
					return closeEntries(registry.listByApp(event.appId), "app_deleted");
				default:
					return 0;
			}
		},
		liveTokenIds: () => registry.listTokenIds(),
		closeTokens(tokenIds, reason) {
			return closeEntries(
				tokenIds.flatMap((id) => registry.listByToken(id)),
				reason,
			);
		},
		async reconcile() {
			const live = registry.listTokenIds();
			const existing = new Set<string>();
			for (let start = 0; start < live.length; start += RECONCILE_BATCH) {
				const batch = live.slice(start, start + RECONCILE_BATCH);
				for (const id of await deps.domain.store.findExistingAuthTokenIds(batch)) existing.add(id);
			}
			return hub.closeTokens(
				live.filter((id) => !existing.has(id)),
				"revoked",
			);
		},
		connectionCount: () => sockets.size,
		liveSocketCount: (appId, uid) =>
			// Only sockets that were told "200 OK": one still verifying (maybe with a forged JWT) is nobody's yet.
			(uid === undefined ? registry.listByApp(appId) : registry.listByUser(appId, uid)).filter(
				(entry) => entry.authenticated,
			).length,
		async close() {
			closing = true;
			cancelReconcile();
			cancelHeartbeat();
			unsubscribe?.();
			const open = [...sockets];
			await new Promise<void>((resolve) => {
				if (open.length === 0) return resolve();
				let remaining = open.length;
				const cancelGrace = setTimer(() => {
					for (const socket of open) socket.terminate();
				}, shutdownGraceMs);
				for (const socket of open) {
					socket.once("close", () => {
						remaining -= 1;
						if (remaining === 0) {
							cancelGrace();
							resolve();
						}
					});
					closeSocket(socket, CLOSE_GOING_AWAY, CLOSE_REASON_GOING_AWAY);
				}
			});
			for (const entry of registry.listAll()) forget(entry);
			await new Promise<void>((resolve) => wss.close(() => resolve()));
		},
	};
	scheduleReconcile();
	scheduleHeartbeat();
	return hub;
}
