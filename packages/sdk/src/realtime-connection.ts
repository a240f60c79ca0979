import { getBackoffDelayMs } from "./backoff.ts";
import type { SessionRevokedReason } from "./listeners.ts";
import type { Timers } from "./timers.ts";
import type { WebSocketFactory, WebSocketLike } from "./websocket.ts";

export type ConnectionStatus = "connected" | "connecting" | "disconnected";

/** The close codes Latchkey's realtime server uses; the server implements the same table. */
export const CLOSE_CODE = {
	/** The session ended; the close reason says why ("revoked", "logged_out", "user_deleted", "expired"). */
	SESSION_REVOKED: 4001,
	/** The auth frame's JWT is bad or unknown. */
	AUTH_FAILED: 4002,
	/** No valid auth frame arrived in time. */
	AUTH_TIMEOUT: 4003,
} as const;

const REVOKED_REASONS: readonly SessionRevokedReason[] = ["revoked", "logged_out", "user_deleted", "expired"];
const CLIENT_CLOSE_CODE = 1000;
const CLIENT_CLOSE_REASON = "User logged out";
// Sent when the client gives up on a silent socket; 4000 is free in the private range and means "retrying".
const STALE_CLOSE_CODE = 4000;

export interface RealtimeConnectionOptions {
	url: string;
	authFrame: Record<string, unknown>;
	getWebSocketFactory: () => Promise<WebSocketFactory>;
	timers: Timers;
	pingIntervalMs: number;
	pongTimeoutMs: number;
	authTimeoutMs: number;
	backoffBaseMs: number;
	backoffCapMs: number;
	random: () => number;
	onStatusChange(status: ConnectionStatus): void;
	/** The server ended the session (close 4001, or 4002 reported as "revoked"); no reconnect follows. */
	onRevoked(reason: SessionRevokedReason): void;
}

function parseFrame(data: unknown): Record<string, unknown> | null {
	if (typeof data !== "string") return null;
	try {
		const frame: unknown = JSON.parse(data);
		return typeof frame === "object" && frame !== null ? (frame as Record<string, unknown>) : null;
	} catch {
		return null;
	}
}

/** True for the server's `{"type":"auth","body":{"code":"200","status":"OK"}}`. */
function isAuthAccepted(frame: Record<string, unknown>): boolean {
	const body = frame.body as { code?: unknown; status?: unknown } | undefined;
	return body?.code === "200" && body.status === "OK";
}

/**
 * One user's realtime socket: auth frame, ping/pong keepalive, reconnect with capped exponential backoff and
 * full jitter, and the close-code contract (4001/4002 end the session, anything else reconnects).
 */
export class RealtimeConnection {
	private socket: WebSocketLike | null = null;
	private status: ConnectionStatus = "disconnected";
	private running = false;
	/** Bumped by start and stop, so a socket still being created for an old run is never attached. */
	private generation = 0;
	private attempt = 0;
	private reconnectTimer: unknown = null;
	private pingTimer: unknown = null;
	private pongTimer: unknown = null;
	private authTimer: unknown = null;

	constructor(private readonly options: RealtimeConnectionOptions) {}

	/** Opens the socket unless already running. @example connection.start(); */
	start(): void {
		if (this.running) return;
		this.running = true;
		this.generation += 1;
		this.attempt = 0;
		this.open();
	}

	/** Closes with 1000 and never reconnects. @example connection.stop(); */
	stop(): void {
		this.running = false;
		this.generation += 1;
		this.clearTimers();
		this.dropSocket(CLIENT_CLOSE_CODE, CLIENT_CLOSE_REASON);
		this.setStatus("disconnected");
	}

	/** @example connection.getStatus(); // "connected" */
	getStatus(): ConnectionStatus {
		return this.status;
	}

	private setStatus(status: ConnectionStatus): void {
		if (this.status === status) return;
		this.status = status;
		this.options.onStatusChange(status);
	}

	private open(): void {
		this.reconnectTimer = null;
		this.setStatus("connecting");
		const generation = this.generation;
		this.options.getWebSocketFactory().then(
			(factory) => {
				if (!this.running || generation !== this.generation) return;
				let socket: WebSocketLike;
				try {
					socket = factory(this.options.url);
				} catch {
					this.scheduleReconnect();
					return;
				}
				this.attach(socket);
			},
			() => {
				if (generation === this.generation) this.scheduleReconnect();
			},
		);
	}

	private attach(socket: WebSocketLike): void {
		this.socket = socket;
		socket.onopen = () => {
			this.send(this.options.authFrame);
			this.authTimer = this.options.timers.setTimeout(() => this.retry(), this.options.authTimeoutMs);
		};
		socket.onmessage = (event) => this.receive(event.data);
		socket.onclose = (event) => this.handleClose(event.code, event.reason);
		// Errors are always followed by close; a listener must exist so `ws` does not throw.
		socket.onerror = () => {};
	}

	private send(frame: Record<string, unknown>): void {
		try {
			this.socket?.send(JSON.stringify(frame));
		} catch {
			// A socket that cannot send is about to close; its close event drives the retry.
		}
	}

	private receive(data: unknown): void {
		const frame = parseFrame(data);
		if (!frame) return;
		if (frame.action === "pong") {
			this.options.timers.clearTimeout(this.pongTimer);
			this.pongTimer = null;
			return;
		}
		if (frame.type === "auth" && isAuthAccepted(frame) && this.status !== "connected") {
			this.options.timers.clearTimeout(this.authTimer);
			this.authTimer = null;
			this.attempt = 0;
			this.setStatus("connected");
			this.schedulePing();
		}
	}

	private schedulePing(): void {
		this.pingTimer = this.options.timers.setTimeout(() => {
			this.send({ action: "ping", ack: "true" });
			this.pongTimer ??= this.options.timers.setTimeout(() => this.retry(), this.options.pongTimeoutMs);
			this.schedulePing();
		}, this.options.pingIntervalMs);
	}

	private handleClose(code: number, reason: string): void {
		this.detach();
		this.clearTimers();
		if (!this.running) return;
		if (code === CLOSE_CODE.SESSION_REVOKED || code === CLOSE_CODE.AUTH_FAILED) {
			this.running = false;
			this.setStatus("disconnected");
			const known = REVOKED_REASONS.find((candidate) => candidate === reason);
			this.options.onRevoked(code === CLOSE_CODE.SESSION_REVOKED && known ? known : "revoked");
			return;
		}
		this.scheduleReconnect();
	}

	/** Gives up on a socket that went quiet (no pong, no auth answer) without waiting for its close event. */
	private retry(): void {
		this.clearTimers();
		this.dropSocket(STALE_CLOSE_CODE, "keepalive timeout");
		if (this.running) this.scheduleReconnect();
	}

	private scheduleReconnect(): void {
		if (!this.running || this.reconnectTimer !== null) return;
		// A connection that was up reports the drop; one that never came up stays "connecting", as in the official SDK.
		if (this.status === "connected") this.setStatus("disconnected");
		const delayMs = getBackoffDelayMs(this.attempt, {
			baseMs: this.options.backoffBaseMs,
			capMs: this.options.backoffCapMs,
			random: this.options.random,
		});
		this.attempt += 1;
		this.reconnectTimer = this.options.timers.setTimeout(() => this.open(), delayMs);
	}

	private detach(): void {
		const socket = this.socket;
		if (!socket) return;
		socket.onopen = null;
		socket.onmessage = null;
		socket.onclose = null;
		socket.onerror = () => {};
		this.socket = null;
	}

	private dropSocket(code: number, reason: string): void {
		const socket = this.socket;
		this.detach();
		try {
			socket?.close(code, reason);
		} catch {
			// Closing a socket that never opened can throw; it is gone either way.
		}
	}

	private clearTimers(): void {
		for (const timer of [this.reconnectTimer, this.pingTimer, this.pongTimer, this.authTimer]) {
			if (timer !== null) this.options.timers.clearTimeout(timer);
		}
		this.reconnectTimer = null;
		this.pingTimer = null;
		this.pongTimer = null;
		this.authTimer = null;
	}
}
