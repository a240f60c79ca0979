import type { CometChatException } from "./exception.ts";
import type { User } from "./user.ts";

/** Why the server ended a session, from the socket close reason (close code 4001), or "revoked" for 4002. */
export type SessionRevokedReason = "revoked" | "logged_out" | "user_deleted" | "expired";

export interface LoginListenerCallbacks {
	loginSuccess?(user: User): void;
	loginFailure?(error: CometChatException): void;
	logoutSuccess?(): void;
	logoutFailure?(error: CometChatException): void;
	/** Latchkey extra: the server closed the socket because the session ended; `logoutSuccess` follows. */
	sessionRevoked?(reason: SessionRevokedReason): void;
}

/**
 * Login events, as in the official SDK, plus `sessionRevoked`.
 *
 * @example
 * CometChat.addLoginListener("app", new CometChat.LoginListener({
 *   loginSuccess: (user) => show(user.getName()),
 *   sessionRevoked: (reason) => alert(`Signed out: ${reason}`),
 *   logoutSuccess: () => showLoginPage(),
 * }));
 */
export class LoginListener {
	/** @example new LoginListener({ logoutSuccess: () => showLoginPage() }); */
	constructor(readonly callbacks: LoginListenerCallbacks = {}) {}
}

export interface ConnectionListenerCallbacks {
	onConnected?(): void;
	inConnecting?(): void;
	onDisconnected?(): void;
	/** Defined for compatibility; never called, as in the official SDK. */
	onFeatureThrottled?(): void;
}

/**
 * Realtime connection events, as in the official SDK.
 *
 * @example
 * CometChat.addConnectionListener("app", new CometChat.ConnectionListener({
 *   onConnected: () => setOnline(true),
 *   onDisconnected: () => setOnline(false),
 * }));
 */
export class ConnectionListener {
	/** @example new ConnectionListener({ onConnected: () => setOnline(true) }); */
	constructor(readonly callbacks: ConnectionListenerCallbacks = {}) {}
}

type LoginEvent = keyof LoginListenerCallbacks;
type ConnectionEvent = keyof ConnectionListenerCallbacks;

/** Runs an app callback so that its failure can never break an SDK flow or leak an unhandled rejection. */
function runCallback(run: () => unknown): void {
	try {
		const result = run();
		if (result instanceof Promise) result.catch((error: unknown) => console.error("[latchkey] listener failed", error));
	} catch (error) {
		console.error("[latchkey] listener failed", error);
	}
}

/**
 * The registered listeners, by id; one registry outlives re-inits so listeners may be added before `init`.
 * Pass your own to a `Client` to hear its events.
 *
 * @example
 * const listeners = new ListenerRegistry();
 * listeners.addLoginListener("main", new LoginListener({ logoutSuccess: () => showLoginPage() }));
 * const client = new Client(APP_ID, settings, { listeners });
 */
export class ListenerRegistry {
	private readonly login = new Map<string, LoginListener>();
	private readonly connection = new Map<string, ConnectionListener>();

	/** Adds or replaces the listener with this id. @example listeners.addLoginListener("main", new LoginListener({})); */
	addLoginListener(id: string, listener: LoginListener): void {
		this.login.set(id, listener);
	}
	/** @example listeners.removeLoginListener("main"); */
	removeLoginListener(id: string): void {
		this.login.delete(id);
	}
	/** Adds or replaces the listener with this id. @example listeners.addConnectionListener("main", new ConnectionListener({})); */
	addConnectionListener(id: string, listener: ConnectionListener): void {
		this.connection.set(id, listener);
	}
	/** @example listeners.removeConnectionListener("main"); */
	removeConnectionListener(id: string): void {
		this.connection.delete(id);
	}

	/** Calls `event` on every login listener; a throwing listener is logged and skipped. @example listeners.emitLogin("logoutSuccess"); */
	emitLogin<E extends LoginEvent>(event: E, ...args: Parameters<NonNullable<LoginListenerCallbacks[E]>>): void {
		for (const listener of [...this.login.values()]) {
			const callback = listener.callbacks[event] as ((...values: unknown[]) => unknown) | undefined;
			if (callback) runCallback(() => callback.apply(listener.callbacks, args));
		}
	}

	/** Calls `event` on every connection listener. @example listeners.emitConnection("onConnected"); */
	emitConnection(event: ConnectionEvent): void {
		for (const listener of [...this.connection.values()]) {
			const callback = listener.callbacks[event];
			if (callback) runCallback(() => callback.call(listener.callbacks));
		}
	}
}
