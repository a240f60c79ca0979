/** The messages between the bench and its socket client process (children/socket-client.ts), over IPC. */

export interface SocketIdentity {
	uid: string;
	tokenId: string;
	jwt: string;
}

export type SocketClientCommand =
	| { type: "open"; url: string; appId: string; identities: SocketIdentity[] }
	| { type: "ping"; intervalMs: number }
	| { type: "stats" }
	/** Answered with `closes` once every one of these tokens' sockets closed, or after `timeoutMs`. */
	| { type: "await-closes"; tokenIds: string[]; timeoutMs: number }
	| { type: "shutdown" };

export type SocketClientEvent =
	| { type: "ready" }
	| { type: "opened"; authenticated: number; failed: number; firstError: string | null }
	| { type: "pinging" }
	| { type: "stats"; pongs: number; open: number }
	| { type: "closes"; closes: Array<{ tokenId: string; code: number; at: number }> };
