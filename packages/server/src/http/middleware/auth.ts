import type { MiddlewareHandler } from "hono";
import { authenticateApiKey, requireScope } from "../../domain/api-keys.ts";
import { findApp, getApp } from "../../domain/apps.ts";
import { verifyAuthToken } from "../../domain/auth-tokens.ts";
import { authTokenNotFound, LatchkeyError } from "../../domain/errors.ts";
import type { KeyScope } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import type { Env } from "../context.ts";

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

/** Requires an `apikey` header of this app with one of the scopes. */
export function requireApiKey(deps: AppDeps, scopes: readonly KeyScope[]): MiddlewareHandler<Env> {
	return async (c, next) => {
		const presented = c.req.header("apikey")?.trim();
		if (!presented) throw new LatchkeyError("AUTH_ERR_EMPTY_APIKEY", "The apiKey is missing in the headers.");
		const key = await authenticateApiKey(deps, c.get("app").id, presented);
		requireScope(key, scopes);
		c.set("apiKey", key);
		await next();
	};
}

/** Requires an `authtoken` header naming a live session of this app. */
export function requireSession(deps: AppDeps): MiddlewareHandler<Env> {
	return async (c, next) => {
		const presented = c.req.header("authtoken")?.trim();
		if (!presented) throw new LatchkeyError("AUTH_ERR_EMPTY_AUTH_TOKEN", "The authToken is missing in the headers.");
		const session = await verifyAuthToken(deps, c.get("app").id, presented);
		if (!session) throw authTokenNotFound();
		c.set("session", session);
		c.set("authToken", presented);
		await next();
	};
}

export const FULL_ACCESS: readonly KeyScope[] = ["fullAccess"];
/** What an Auth Key may do: create users, log users in, update users (the SDK's `updateUser(user, authKey)`). */
export const AUTH_OR_FULL: readonly KeyScope[] = ["fullAccess", "authOnly"];
