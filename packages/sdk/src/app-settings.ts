import type { SessionStorage } from "./session-storage.ts";
import type { Timers } from "./timers.ts";
import type { WebSocketFactory } from "./websocket.ts";

/** Where sessions are kept: the official SDK's two modes plus Latchkey's file and memory stores. */
export const StorageMode = { LOCAL: "local", SESSION: "session", FILE: "file", MEMORY: "memory" } as const;
export type StorageMode = (typeof StorageMode)[keyof typeof StorageMode];

/** `fetch`, or anything shaped like it (`(input, init) => app.request(input, init)` in tests). */
export type FetchFunction = (input: string, init: RequestInit) => Response | Promise<Response>;

/** Keepalive and reconnect tuning; every field has a default. */
export interface RealtimeOptions {
	/** How often a ping is sent once authenticated. Default 15 000 ms. */
	pingIntervalMs?: number;
	/** How long to wait for the pong before reconnecting. Default 3 000 ms. */
	pongTimeoutMs?: number;
	/** How long to wait for the reply to the auth frame before reconnecting. Default 10 000 ms. */
	authTimeoutMs?: number;
	/** First reconnect delay ceiling. Default 500 ms. */
	backoffBaseMs?: number;
	/** Largest reconnect delay ceiling. Default 30 000 ms. */
	backoffCapMs?: number;
	/** Jitter source in [0, 1). Default `Math.random`. */
	random?: () => number;
}

export type PresenceSubscription = "ALL_USERS" | "ROLES" | "FRIENDS";

/** Host given to an override: an explicit `http://` or `https://` is kept; otherwise `https://`. */
export interface HostOverride {
	scheme: "http" | "https";
	host: string;
}

export function parseHostOverride(value: string): HostOverride {
	const match = /^(https?):\/\/(.*)$/i.exec(value.trim());
	const scheme = match?.[1]?.toLowerCase() === "http" ? "http" : "https";
	return { scheme, host: (match?.[2] ?? value.trim()).replace(/\/+$/, "") };
}

/** Settings for `CometChat.init`; build one with `AppSettingsBuilder`. */
export interface AppSettings {
	readonly region: string;
	readonly adminHost: HostOverride | null;
	readonly clientHost: HostOverride | null;
	readonly autoEstablishSocketConnection: boolean;
	readonly storageMode: StorageMode | null;
	readonly storage: SessionStorage | null;
	readonly storageDirectory: string | null;
	readonly fetch: FetchFunction | null;
	readonly requestTimeoutMs: number;
	readonly timers: Timers | null;
	readonly webSocket: WebSocketFactory | null;
	readonly realtime: Readonly<RealtimeOptions>;
	readonly presenceSubscription: PresenceSubscription | null;
	readonly presenceRoles: readonly string[];
}

/**
 * Builds AppSettings, with the official SDK's methods and a few Latchkey extras (marked below).
 *
 * @example
 * const settings = new CometChat.AppSettingsBuilder()
 *   .setRegion("eu")
 *   .overrideAdminHost("chat.example.com/v3.0")
 *   .overrideClientHost("chat.example.com/v3.0")
 *   .autoEstablishSocketConnection(true)
 *   .build();
 */
export class AppSettingsBuilder {
	private settings: { -readonly [K in keyof AppSettings]: AppSettings[K] } = {
		region: "eu",
		adminHost: null,
		clientHost: null,
		autoEstablishSocketConnection: true,
		storageMode: null,
		storage: null,
		storageDirectory: null,
		fetch: null,
		requestTimeoutMs: 15_000,
		timers: null,
		webSocket: null,
		realtime: {},
		presenceSubscription: null,
		presenceRoles: [],
	};

	/** @example builder.setRegion("us"); */
	setRegion(region: string): this {
		this.settings.region = region.toLowerCase();
		return this;
	}

	/**
	 * Admin REST base (`users/{uid}/auth_tokens`, `POST users`), including the API version. Latchkey keeps an
	 * explicit `http://` (for plain-http dev servers) here and after the server's settings arrive.
	 *
	 * @example builder.overrideAdminHost("http://127.0.0.1:3000/v3.0");
	 */
	overrideAdminHost(host: string): this {
		this.settings.adminHost = parseHostOverride(host);
		return this;
	}

	/** Client REST base (`me`, …), including the API version; see `overrideAdminHost` for the scheme. @example builder.overrideClientHost("chat.example.com/v3.0"); */
	overrideClientHost(host: string): this {
		this.settings.clientHost = parseHostOverride(host);
		return this;
	}

	/** `false`: no socket after login; call `CometChat.connect()` yourself. Default true. @example builder.autoEstablishSocketConnection(false); */
	autoEstablishSocketConnection(enabled: boolean): this {
		this.settings.autoEstablishSocketConnection = enabled;
		return this;
	}

	/** Where the session is kept. Default: LOCAL in browsers, FILE in Node. @example builder.setStorageMode(CometChat.StorageMode.SESSION); */
	setStorageMode(mode: StorageMode): this {
		this.settings.storageMode = mode;
		return this;
	}

	/** Latchkey extra: keep sessions in your own store; wins over `setStorageMode`. @example builder.setStorage(createMemoryStorage()); */
	setStorage(storage: SessionStorage): this {
		this.settings.storage = storage;
		return this;
	}

	/** Latchkey extra: the FILE store's directory. Default `~/.latchkey-chat-sdk`. @example builder.setStorageDirectory("./.chat-session"); */
	setStorageDirectory(directory: string): this {
		this.settings.storageDirectory = directory;
		return this;
	}

	/** Latchkey extra: the fetch implementation. Default the global `fetch`. @example builder.setFetch((input, init) => app.request(input, init)); */
	setFetch(fetch: FetchFunction): this {
		this.settings.fetch = fetch;
		return this;
	}

	/** Latchkey extra: every request rejects with REQUEST_TIMEOUT after this long. Default 15 000 ms. @example builder.setRequestTimeout(5_000); */
	setRequestTimeout(ms: number): this {
		this.settings.requestTimeoutMs = ms;
		return this;
	}

	/** Latchkey extra: timer functions (tests control time with them). @example builder.setTimers(manualTimers); */
	setTimers(timers: Timers): this {
		this.settings.timers = timers;
		return this;
	}

	/** Latchkey extra: how sockets are opened. Default the global WebSocket, else the `ws` package. @example builder.setWebSocket((url) => new WebSocket(url)); */
	setWebSocket(factory: WebSocketFactory): this {
		this.settings.webSocket = factory;
		return this;
	}

	/** Latchkey extra: ping, pong and reconnect tuning. @example builder.setRealtimeOptions({ pingIntervalMs: 30_000 }); */
	setRealtimeOptions(options: RealtimeOptions): this {
		this.settings.realtime = { ...options };
		return this;
	}

	/** Presence for every user; sent in the socket auth frame. @example builder.subscribePresenceForAllUsers(); */
	subscribePresenceForAllUsers(): this {
		this.settings.presenceSubscription = "ALL_USERS";
		return this;
	}

	/** Presence for users with these roles. @example builder.subscribePresenceForRoles(["agent"]); */
	subscribePresenceForRoles(roles: string[]): this {
		this.settings.presenceSubscription = "ROLES";
		this.settings.presenceRoles = [...roles];
		return this;
	}

	/** Presence for friends. @example builder.subscribePresenceForFriends(); */
	subscribePresenceForFriends(): this {
		this.settings.presenceSubscription = "FRIENDS";
		return this;
	}

	/** @example const settings = builder.build(); */
	build(): AppSettings {
		return Object.freeze({ ...this.settings, realtime: Object.freeze({ ...this.settings.realtime }) });
	}
}
