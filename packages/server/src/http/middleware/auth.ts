import type { Context, MiddlewareHandler } from "hono";
import { authenticateApiKey, requireScope } from "../../domain/api-keys.ts";
import { findApp, getApp } from "../../domain/apps.ts";
import { verifyAuthToken } from "../../domain/auth-tokens.ts";
import { authTokenNotFound, LatchkeyError } from "../../domain/errors.ts";
import { checkTokenExpiry } from "../../domain/expiry.ts";
import { assertAuthKeyAllowed } from "../../domain/security.ts";
import { normalizeUid } from "../../domain/users.ts";
import type { ApiKeyRecord, KeyScope, Session } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { RateLimits } from "../../web/rate-limits.ts";
import type { Env } from "../context.ts";
import { requestAddress, tooManyRequests } from "./rate-limit.ts";

/**
 * Picks the app from the `appid` header, or from the first host label as in `{appId}.api-us.cometchat.io`
 * when that names an app. Runs before any credential check, as CometChat does.
 */
export function resolveApp(deps: AppDeps): MiddlewareHandler<Env> {
	return async (c, next) => {
		const header = c.req.header("appid")?.trim();
		if (header) {
			c.set("app", await getApp(deps, header));
			return await next();
		}
		const label = (c.req.header("host") ?? "").split(".")[0] ?? "";
		const fromHost = /^[a-z0-9]{4,64}$/i.test(label) ? await findApp(deps, label) : null;
		if (!fromHost) throw new LatchkeyError("AUTH_ERR_EMPTY_APPID", "The appId is missing in the headers.");
		c.set("app", fromHost);
		await next();
	};
}

/**
 * Requires an `apikey` header of this app with one of the scopes, and counts the request against that key's
 * budget. A wrong key counts as a failure of the client's address; once the address is over its failure budget,
 * its failures are answered 429 instead.
 */
export function requireApiKey(deps: AppDeps, scopes: readonly KeyScope[]): MiddlewareHandler<Env> {
	const limits = rateLimitsOf(deps);
	return async (c, next) => {
		const presented = c.req.header("apikey")?.trim();
		if (!presented) throw new LatchkeyError("AUTH_ERR_EMPTY_APIKEY", "The apiKey is missing in the headers.");
		let key: ApiKeyRecord;
		try {
			key = await authenticateApiKey(deps, c.get("app").id, presented);
		} catch (error) {
			throw await countFailure(c, deps, limits, error);
		}
		requireScope(key, scopes);
		// The app's Auth Key guardrails (issue 15); a uid in the body (POST /users) is checked by its route.
		if (key.scope === "authOnly") {
			const uid = c.req.param("uid");
			assertAuthKeyAllowed(c.get("app"), {
				uid: uid === undefined ? null : uid.toLowerCase(),
				origin: c.req.header("origin") ?? null,
			});
		}
		const decision = limits.consumeApiKey(key.id);
		if (decision && !decision.allowed) throw tooManyRequests(c, decision, "apiKey");
		c.set("apiKey", key);
		await next();
	};
}

/**
 * Requires an `authtoken` header naming a live session of this app. A wrong token counts as a failure of the
 * client's address, as a wrong key does.
 */
export function requireSession(deps: AppDeps): MiddlewareHandler<Env> {
	const limits = rateLimitsOf(deps);
	return async (c, next) => {
		const presented = c.req.header("authtoken")?.trim();
		if (!presented) throw new LatchkeyError("AUTH_ERR_EMPTY_AUTH_TOKEN", "The authToken is missing in the headers.");
		const session = await verifyAuthToken(deps, c.get("app").id, presented);
		if (!session) throw await countFailure(c, deps, limits, authTokenNotFound());
		await checkTokenExpiry(deps, c.get("app"), session);
		c.set("session", session);
		c.set("authToken", presented);
		await next();
	};
}

/**
 * Requires either an `apikey` header of this app with one of the scopes (an admin read, as requireApiKey) or, when
 * no key is sent, an `authtoken` header naming a live session of this app (a client read, as requireSession).
 * A wrong key or token counts as a failure of the client's address either way. With neither header the answer is
 * `AUTH_ERR_EMPTY_APIKEY`, as before tokens were accepted. `readingSession(c)` tells the route which one it got.
 */
export function requireApiKeyOrSession(deps: AppDeps, scopes: readonly KeyScope[]): MiddlewareHandler<Env> {
	const byKey = requireApiKey(deps, scopes);
	const bySession = requireSession(deps);
	return async (c, next) => {
		if (!c.req.header("apikey")?.trim() && c.req.header("authtoken")?.trim()) return await bySession(c, next);
		return await byKey(c, next);
	};
}

/** The session a route behind requireApiKeyOrSession was called with; null when it was an API key. */
export function readingSession(c: Context<Env>): Session | null {
	return (c.get("apiKey") as ApiKeyRecord | undefined) === undefined ? c.get("session") : null;
}

/**
 * The login throttle of `login(uid, authKey)` (POST /users/{uid}/auth_tokens with an Auth Key): refused while
 * the address or the user is over budget, else counted against the user and the Auth Key; a failure (an unknown
 * uid) costs the user more and counts against the address.
 * A `fullAccess` key is the app's own backend: it is exempt.
 */
export function throttleAuthKeyLogin(deps: AppDeps): MiddlewareHandler<Env> {
	const limits = rateLimitsOf(deps);
	return async (c, next) => {
		const key = c.get("apiKey");
		if (key.scope === "fullAccess") return await next();
		const address = requestAddress(c, deps);
		const appId = c.get("app").id;
		const uid = chargeableUid(c.req.param("uid"));
		const refusal = await limits.admitLogin(address, appId, uid);
		if (refusal) throw tooManyRequests(c, refusal.decision, refusal.scope);
		const decision = limits.consumeAuthKeyLogin(key.id);
		if (decision && !decision.allowed) throw tooManyRequests(c, decision, "authKey");
		await next();
		if (isLoginFailure(c.res.status)) await limits.recordLoginFailure(address, appId, uid);
	};
}

/**
 * The login throttle of `login(authToken)` (PUT /me, after requireSession): refused while the address or the
 * user is over budget, else counted against the user. A wrong token was already counted by requireSession.
 */
export function throttleTokenLogin(deps: AppDeps): MiddlewareHandler<Env> {
	const limits = rateLimitsOf(deps);
	return async (c, next) => {
		const { user, token } = c.get("session");
		const refusal = await limits.admitLogin(requestAddress(c, deps), token.appId, user.uid);
		if (refusal) throw tooManyRequests(c, refusal.decision, refusal.scope);
		await next();
	};
}

function rateLimitsOf(deps: AppDeps): RateLimits {
	// createApp always passes one; a route mounted on its own gets the defaults.
	return deps.rateLimits ?? new RateLimits();
}

const CREDENTIAL_FAILURES: ReadonlySet<string> = new Set([
	"AUTH_ERR_APIKEY_NOT_FOUND",
	"AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
]);

/** A failed authentication counts against the address; over budget, the answer becomes a 429. */
async function countFailure(c: Context<Env>, deps: AppDeps, limits: RateLimits, error: unknown): Promise<unknown> {
	if (!(error instanceof LatchkeyError) || !CREDENTIAL_FAILURES.has(error.code)) return error;
	const decision = await limits.recordFailure(requestAddress(c, deps));
	return decision && !decision.allowed ? tooManyRequests(c, decision, "address") : error;
}

/** A path's uid as the domain folds it; a string that cannot be a uid is charged to the address only. */
function chargeableUid(raw: string | undefined): string | null {
	return raw === undefined ? null : normalizeUid(raw);
}

/** "No such key, user or token": what a guessing client gets. Bad input and our own errors count as neither. */
function isLoginFailure(status: number): boolean {
	return status === 401 || status === 403 || status === 404;
}

export const FULL_ACCESS: readonly KeyScope[] = ["fullAccess"];
/** What an Auth Key may do: create users, log users in, update users (the SDK's `updateUser(user, authKey)`). */
export const AUTH_OR_FULL: readonly KeyScope[] = ["fullAccess", "authOnly"];
