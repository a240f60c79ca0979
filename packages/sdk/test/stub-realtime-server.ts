import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { WebSocketFactory, WebSocketLike } from "../src/websocket.ts";
import { waitFor } from "./helpers.ts";

/** One socket the stub accepted: every frame it got, and how it closed. */
export class StubConnection {
	readonly frames: Array<Record<string, unknown>> = [];
	closed: { code: number; reason: string } | null = null;

	constructor(readonly socket: WebSocket) {}

	send(frame: unknown): void {
		this.socket.send(JSON.stringify(frame));
	}

	async waitForFrame(predicate: (frame: Record<string, unknown>) => boolean, label: string): Promise<void> {
		await waitFor(() => this.frames.some(predicate), label);
	}

	async waitForClose(): Promise<{ code: number; reason: string }> {
		await waitFor(() => this.closed !== null, "the socket to close");
		return this.closed ?? { code: 0, reason: "" };
	}
}

export interface StubBehaviour {
	/** Answer to the auth frame; null sends nothing. Default `{"type":"auth","body":{"code":"200","status":"OK"}}`. */
	authReply: Record<string, unknown> | null;
	/** Close code sent right after the auth frame arrives (before any reply); null keeps the socket. */
	closeOnAuth: number | null;
	answerPings: boolean;
}

export const AUTH_OK = { type: "auth", body: { code: "200", status: "OK" } };

/**
 * A tiny server speaking Latchkey's realtime protocol (auth frame, ping/pong, close codes), so the client's
 * reconnect logic can be driven step by step.
 */
export class StubRealtimeServer {
	readonly connections: StubConnection[] = [];
	readonly behaviour: StubBehaviour = { authReply: AUTH_OK, closeOnAuth: null, answerPings: true };
	/** Every URL the SDK asked the factory to open. */
	readonly requestedURLs: string[] = [];

	private constructor(
		private readonly server: WebSocketServer,
		readonly port: number,
	) {
		server.on("connection", (socket) => {
			const connection = new StubConnection(socket);
			this.connections.push(connection);
			socket.on("close", (code, reason) => {
				connection.closed = { code, reason: reason.toString() };
			});
			socket.on("message", (data) => {
				const frame = JSON.parse(data.toString()) as Record<string, unknown>;
				connection.frames.push(frame);
				if (frame.type === "auth") {
					if (this.behaviour.closeOnAuth !== null) socket.close(this.behaviour.closeOnAuth, "stub");
					else if (this.behaviour.authReply) connection.send(this.behaviour.authReply);
				}
				if (frame.action === "ping" && this.behaviour.answerPings) connection.send({ action: "pong" });
			});
		});
	}

	static async start(): Promise<StubRealtimeServer> {
		const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
		await new Promise<void>((resolve) => server.once("listening", () => resolve()));
		return new StubRealtimeServer(server, (server.address() as AddressInfo).port);
	}

	/** Opens every socket the SDK asks for against this stub, whatever host the settings named. */
	readonly factory: WebSocketFactory = (url) => {
		this.requestedURLs.push(url);
		return new WebSocket(`ws://127.0.0.1:${this.port}`) as unknown as WebSocketLike;
	};

	async waitForConnections(count: number): Promise<StubConnection> {
		await waitFor(() => this.connections.length >= count, `connection #${count}`);
		const connection = this.connections[count - 1];
		if (!connection) throw new Error("unreachable");
		return connection;
	}

	/** Resolves once connection `count` exists and sent its auth frame (and got the answer, if any). */
	async waitForAuthenticated(count: number): Promise<StubConnection> {
		const connection = await this.waitForConnections(count);
		await connection.waitForFrame((frame) => frame.type === "auth", "the auth frame");
		return connection;
	}

	async close(): Promise<void> {
		for (const client of this.server.clients) client.terminate();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}
