/** The messages between the bench and its socket client process (children/socket-client.ts), over IPC. */

export interface SocketIdentity {
	uid: string;
	tokenId: string;
	jwt: string;
}

export type SocketClientCommand =
	/** Opens one socket per identity, the n-th from `localAddresses[n % length]` (several 127.x source addresses). */
	| { type: "open"; url: string; appId: string; identities: SocketIdentity[]; localAddresses: string[] }
	| { type: "ping"; intervalMs: number }
	| { type: "stats" }
	/** Answered with `closes` once every one of these tokens' sockets closed, or after `timeoutMs`. */
	| { type: "await-closes"; tokenIds: string[]; timeoutMs: number }
	| { type: "shutdown" };

export type SocketClientEvent =
	| { type: "ready" }
	/** `authenticated`: sockets this client holds so far (every `open`); `failed`: of this `open` only. */
	| { type: "opened"; authenticated: number; failed: number; firstError: string | null }
	| { type: "pinging" }
	| { type: "stats"; pongs: number; open: number }
	| { type: "closes"; closes: Array<{ tokenId: string; code: number; at: number }> };
