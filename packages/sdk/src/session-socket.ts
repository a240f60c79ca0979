import type { AppSettings } from "./app-settings.ts";
import type { SessionRevokedReason } from "./listeners.ts";
import { API_VERSION, getUserAgent, SDK_VERSION } from "./platform.ts";
import { type ConnectionStatus, RealtimeConnection } from "./realtime-connection.ts";
import type { Session } from "./stored-state.ts";
import type { Timers } from "./timers.ts";
import { getDefaultWebSocketFactory } from "./websocket.ts";

export interface SessionSocketInput {
	appId: string;
	session: Session;
	settings: AppSettings;
	/** The per-process id sent as `resource`; the auth frame calls it `deviceId`. */
	resource: string;
	/** The stored per-install device id. */
	deviceId: string;
	timers: Timers;
	/** The REST scheme of the client side; plain http means plain ws. */
	clientScheme: "http" | "https";
	onStatusChange(status: ConnectionStatus): void;
	onRevoked(reason: SessionRevokedReason): void;
}

/** `wss://{CHAT_HOST}:{CHAT_WSS_PORT}` from the server's settings (the official SDK's host precedence), or null. */
export function getRealtimeURL(
	serverSettings: Record<string, unknown> | null,
	clientScheme: "http" | "https",
): string | null {
	const host =
		serverSettings?.CHAT_HOST_OVERRIDE || serverSettings?.CHAT_HOST_APP_SPECIFIC || serverSettings?.CHAT_HOST;
	const port = serverSettings?.CHAT_WSS_PORT;
	if (typeof host !== "string" || host === "") return null;
	if (typeof port !== "number" && typeof port !== "string") return null;
	const scheme = clientScheme === "http" ? "ws" : "wss";
	return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** The auth frame exactly as the official SDK sends it. */
export function buildAuthFrame(input: SessionSocketInput, jwt: string): Record<string, unknown> {
	const origin = (globalThis as { location?: { origin?: string } }).location?.origin ?? "";
	const presence = input.settings.presenceSubscription;
	return {
		appId: input.appId,
		deviceId: input.resource,
		type: "auth",
		sender: input.session.user.uid,
		body: {
			auth: jwt,
			deviceId: input.resource,
			...(presence && { presenceSubscription: presence }),
			...(presence === "ROLES" && { roles: [...input.settings.presenceRoles] }),
			params: {
				appInfo: { version: SDK_VERSION, apiVersion: API_VERSION, origin, uts: Date.now() },
				userAgent: getUserAgent(),
				deviceId: input.deviceId,
				platform: "javascript",
			},
		},
	};
}

/**
 * The realtime connection for a session, with every default applied; null when the session has no JWT or the
 * server named no chat host (then there is simply no socket).
 */
export function createSessionSocket(input: SessionSocketInput): RealtimeConnection | null {
	const url = getRealtimeURL(input.session.serverSettings, input.clientScheme);
	if (!url || !input.session.jwt) return null;
	const options = input.settings.realtime;
	const factory = input.settings.webSocket;
	return new RealtimeConnection({
		url,
		authFrame: buildAuthFrame(input, input.session.jwt),
		getWebSocketFactory: () => (factory ? Promise.resolve(factory) : getDefaultWebSocketFactory()),
		timers: input.timers,
		pingIntervalMs: options.pingIntervalMs ?? 15_000,
		pongTimeoutMs: options.pongTimeoutMs ?? 3_000,
		authTimeoutMs: options.authTimeoutMs ?? 10_000,
		backoffBaseMs: options.backoffBaseMs ?? 500,
		backoffCapMs: options.backoffCapMs ?? 30_000,
		random: options.random ?? Math.random,
		onStatusChange: input.onStatusChange,
		onRevoked: input.onRevoked,
	});
}
