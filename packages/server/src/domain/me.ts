import { isDeepStrictEqual } from "node:util";
import { loginSucceeded } from "../audit/token-events.ts";
import type { AppRecord, AuthTokenPatch, AuthTokenRecord, Session, UserRecord } from "../store/store.ts";
import { createAuthTokenSchema, revokeAuthToken, touchSession, userAgentOf } from "./auth-tokens.ts";
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

// A value that cannot occur in a real answer marks where the presented token goes in a rendered body.
const TOKEN_SLOT = "\u0000authToken\u0000";
const TOKEN_SLOT_JSON = JSON.stringify(TOKEN_SLOT);

/**
 * The whole `/me` answer (`{"data": …}`) as JSON text: the parts that change only with an event (the user, the
 * realtime JWT, settings) are rendered once per cached session and kept beside it; only the presented token is
 * put in per request. The plaintext token itself is never kept.
 */
const renderedMe = new WeakMap<Session, { head: string; tail: string }>();

export function renderMeBody(
	app: AppRecord,
	session: Session,
	user: UserRecord,
	presentedToken: string,
	endpoint: PublicEndpoint,
): string {
	// Only the session's own user is what the cache keeps; a profile update's fresh user is rendered once.
	let parts = user === session.user ? renderedMe.get(session) : undefined;
	if (!parts) {
		const json = JSON.stringify({ data: presentMe(app, session, user, TOKEN_SLOT, endpoint) });
		const at = json.indexOf(TOKEN_SLOT_JSON);
		parts = { head: json.slice(0, at), tail: json.slice(at + TOKEN_SLOT_JSON.length) };
		if (user === session.user) renderedMe.set(session, parts);
	}
	return parts.head + JSON.stringify(presentedToken) + parts.tail;
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
	const patch: AuthTokenPatch = {
		...(parsed.platform !== undefined && { platform: parsed.platform }),
		...(parsed.deviceId !== undefined && { deviceId: parsed.deviceId }),
		...(parsed.appInfo !== undefined && { appInfo: parsed.appInfo }),
		...(userAgent !== null && { userAgent }),
	};
	// A device logging in again with the same facts (the common case) changes nothing worth a write.
	if (changesToken(session.token, patch)) {
		const updated = await deps.store.updateAuthToken(session.token.id, patch);
		if (!updated) throw new LatchkeyError("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "The auth token does not exist.");
		await deps.events.publish({ type: "token.updated", appId: session.token.appId, tokenId: session.token.id });
	}
	await touchSession(deps, session);
	// A login PUT is `login(authToken)` (also the second half of `login(uid, authKey)`): audited as a login.
	await deps.audit?.record(loginSucceeded(session.token.appId, session.user.uid, session.token.id, "authToken"));
	return session.user;
}

function changesToken(token: AuthTokenRecord, patch: AuthTokenPatch): boolean {
	return (Object.keys(patch) as Array<keyof AuthTokenPatch>).some(
		(field) => !isDeepStrictEqual(token[field], patch[field]),
	);
}

/** `DELETE /me`: the token is destroyed permanently and its sockets close. */
export async function logout(deps: DomainDeps, session: Session): Promise<void> {
	await revokeAuthToken(deps, session.token, "logged_out");
}
