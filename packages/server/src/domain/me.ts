import type { AppRecord, Session, UserRecord } from "../store/store.ts";
import { createAuthTokenSchema, revokeAuthToken, userAgentOf } from "./auth-tokens.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { signRealtimeJWT } from "./jwt.ts";
import { presentUser } from "./presenters.ts";
import { updateUser } from "./users.ts";
import { parseInput } from "./validation.ts";

/** Where clients reach this deployment; built once from LATCHKEY_PUBLIC_URL. */
export interface PublicEndpoint {
	/** `host[:port][/path]` as the SDK wants it: no scheme. */
	apiHost: string;
	chatHost: string;
	chatPort: number;
}

export function parsePublicEndpoint(publicURL: string): PublicEndpoint {
	const url = new URL(publicURL);
	const defaultPort = url.protocol === "https:" ? 443 : 80;
	const path = url.pathname.replace(/\/+$/, "");
	return {
		apiHost: `${url.host}${path}`,
		chatHost: url.hostname.replace(/^\[|\]$/g, ""),
		chatPort: url.port ? Number(url.port) : defaultPort,
	};
}

/** The `settings` object the official SDK stores as `app_settings` and routes every later call by. */
export function buildAppSettings(app: AppRecord, endpoint: PublicEndpoint): Record<string, unknown> {
	return {
		ADMIN_API_HOST: endpoint.apiHost,
		CLIENT_API_HOST: endpoint.apiHost,
		CHAT_API_VERSION: "v3.0",
		CHAT_HOST: endpoint.chatHost,
		CHAT_WSS_PORT: endpoint.chatPort,
		WS_API_VERSION: "v3.0",
		APP_VERSION: 4,
		MODE: "DEFAULT",
		ANALYTICS_PING_DISABLED: true,
		REGION: app.region,
		extensions: [],
	};
}

// Fields the official SDK's updateCurrentUserDetails sends; a login PUT carries none of them.
const PROFILE_FIELDS = ["name", "avatar", "link", "metadata", "statusMessage", "tags", "unset"] as const;

/** Tells the two kinds of `PUT /me` apart: a profile update carries user fields, a login carries device facts. */
export function isProfileUpdate(body: Record<string, unknown>): boolean {
	return PROFILE_FIELDS.some((field) => body[field] !== undefined);
}

/** The `/me` answer: the user, the same auth token, the realtime JWT, and settings. */
export function presentMe(
	app: AppRecord,
	session: Session,
	user: UserRecord,
	presentedToken: string,
	endpoint: PublicEndpoint,
): Record<string, unknown> {
	return {
		...presentUser(user, { withTags: true, status: "online" }),
		authToken: presentedToken,
		jwt: signRealtimeJWT(app, session),
		wsChannel: { identity: `[${app.id}]${user.uid}` },
		settings: buildAppSettings(app, endpoint),
	};
}

/**
 * `PUT /me`: a login records the device facts on the token; a profile update changes the user, except
 * `role`, which only a REST API key may set.
 */
export async function putMe(deps: DomainDeps, session: Session, body: Record<string, unknown>): Promise<UserRecord> {
	if (isProfileUpdate(body)) {
		return await updateUser(deps, session.token.appId, session.user.uid, body, { allowRole: false });
	}
	const parsed = parseInput(createAuthTokenSchema, body);
	const userAgent = userAgentOf(parsed);
	const updated = await deps.store.updateAuthToken(session.token.id, {
		...(parsed.platform !== undefined && { platform: parsed.platform }),
		...(parsed.deviceId !== undefined && { deviceId: parsed.deviceId }),
		...(parsed.appInfo !== undefined && { appInfo: parsed.appInfo }),
		...(userAgent !== null && { userAgent }),
	});
	if (!updated) throw new LatchkeyError("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "The auth token does not exist.");
	await deps.store.touchAuthToken(session.token.id, deps.clock.now());
	return session.user;
}

/** `DELETE /me`: the token is destroyed permanently and its sockets close. */
export async function logout(deps: DomainDeps, session: Session): Promise<void> {
	await revokeAuthToken(deps, session.token, "logged_out");
}
