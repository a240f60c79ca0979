import { importModule } from "./import-module.ts";

/** The part of the WebSocket API the SDK uses; the browser's WebSocket and the `ws` package both have it. */
export interface WebSocketLike {
	send(data: string): void;
	close(code?: number, reason?: string): void;
	onopen: ((event: unknown) => void) | null;
	onmessage: ((event: { data: unknown }) => void) | null;
	onclose: ((event: { code: number; reason: string }) => void) | null;
	onerror: ((event: unknown) => void) | null;
}

/** Opens a socket to `url`; inject one to use another WebSocket implementation. */
export type WebSocketFactory = (url: string) => WebSocketLike;

type WebSocketConstructor = new (url: string) => unknown;

/**
 * The global WebSocket when there is one (browsers, Node 22+); otherwise the optional peer `ws`, loaded only now.
 *
 * @example
 * const open = await getDefaultWebSocketFactory();
 * const socket = open("wss://chat.example.com:443");
 */
export async function getDefaultWebSocketFactory(): Promise<WebSocketFactory> {
	const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
	const Constructor = global ?? ((await importModule("ws")) as { WebSocket: WebSocketConstructor }).WebSocket;
	return (url) => new Constructor(url) as WebSocketLike;
}
