import { Hono } from "hono";
import {
	createAuthToken,
	deleteAuthToken,
	flushAuthTokens,
	getAuthToken,
	listAuthTokens,
	revealAuthToken,
	revokeAppAuthTokens,
	revokeUserAuthTokens,
	updateAuthToken,
} from "../../domain/auth-tokens.ts";
import { presentAuthToken, presentPagination } from "../../domain/presenters.ts";
import { maskCredential } from "../../domain/secrets.ts";
import type { AppDeps } from "../../web/deps.ts";
import { respond } from "../answer-headers.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { methodNotAllowed, refuseOtherMethods } from "../method-not-allowed.ts";
import { AUTH_OR_FULL, FULL_ACCESS, requireApiKey, throttleAuthKeyLogin } from "../middleware/auth.ts";
import { NO_STORE } from "../middleware/security-headers.ts";
import { parsePageParams } from "../query.ts";
import { auditedDeps, auditLoginFailures } from "./audit-log.ts";

export const MAX_AUTH_TOKENS_PER_PAGE = 100;
/** A login's answer: JSON with a fresh token in it, which no cache may keep. */
const JSON_NO_STORE = { "content-type": "application/json", ...NO_STORE };

/** What one token answers. Its other methods (POST, PATCH) are not routed (see below): the app answers them 405. */
const TOKEN_METHODS = ["GET", "PUT", "DELETE"];
const TOKEN_PATH = /^\/v3(?:\.0)?\/users\/[^/]+\/auth_tokens\/([^/]+)\/?$/;

/**
 * For the app's not-found handler: the methods a token's path (or the ladder's `/revoke`) answers when the request
 * used another; null for any other path.
 */
export function tokenPathMethods(method: string, path: string): string[] | null {
	const match = TOKEN_PATH.exec(path);
	if (!match) return null;
	const allowed = match[1] === "revoke" ? ["POST"] : TOKEN_METHODS;
	return allowed.includes(method) ? null : allowed;
}

export function authTokensRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();
	const base = "/users/:uid/auth_tokens";

	// login(uid, authKey) in the SDK: an Auth Key may mint tokens. With an Auth Key (authOnly) this is a login for the
	// audit log (login.succeeded / login.failed, method authKey); with a fullAccess key it is the backend minting one.
	const loginFailures = auditLoginFailures(deps, "authKey");
	router.post(base, loginFailures, requireApiKey(deps, AUTH_OR_FULL), throttleAuthKeyLogin(deps), async (c) => {
		const body = await readJSONBody(c);
		const login = c.get("apiKey").scope === "authOnly" ? { login: "authKey" as const } : {};
		const audited = auditedDeps(c, deps);
		const { token, plaintext } = await createAuthToken(audited, c.get("app").id, c.req.param("uid"), body, login);
		return respond(c, JSON.stringify({ data: presentAuthToken(token, plaintext) }), 200, JSON_NO_STORE);
	});

	router.get(base, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const page = parsePageParams((name) => c.req.query(name), MAX_AUTH_TOKENS_PER_PAGE);
		const result = await listAuthTokens(deps, c.get("app").id, c.req.param("uid"), page);
		const revealed = result.items.map((token) => revealAuthToken(deps, token));
		const answer = {
			data: result.items.map((token, index) => presentAuthToken(token, revealed[index])),
			meta: { pagination: presentPagination(result.total, result.items.length, page.perPage, page.page) },
		};
		return c.json(answer, 200, revealed.some((plaintext) => plaintext !== undefined) ? NO_STORE : {});
	});

	router.delete(base, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const uid = c.req.param("uid").toLowerCase();
		await flushAuthTokens(auditedDeps(c, deps), c.get("app").id, uid);
		return c.json({ data: { success: true, message: `Cleared Auth Tokens successfully for uid ${uid}.` } });
	});
	refuseOtherMethods(router, base, ["GET", "POST", "DELETE"]);

	// The revocation ladder (issue 15). Hono's RegExpRouter (issue 11: every API request is matched by one regular
	// expression) cannot hold one method on both `/revoke` and `/:authToken`, so `/revoke` has POST only and no
	// catch-all: the `/:authToken` routes answer its GET, PUT and DELETE with 405, and the app's not-found handler
	// answers a token's (or `/revoke`'s) other methods (tokenPathMethods above).
	const revokeUser = `${base}/revoke`;
	router.post(revokeUser, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const body = await readJSONBody(c);
		const revoked = await revokeUserAuthTokens(auditedDeps(c, deps), c.get("app").id, c.req.param("uid"), body);
		return c.json({ data: { revoked } });
	});

	const revokeApp = "/auth_tokens/revoke";
	router.post(revokeApp, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const revoked = await revokeAppAuthTokens(auditedDeps(c, deps), c.get("app").id, await readJSONBody(c));
		return c.json({ data: { revoked } });
	});
	refuseOtherMethods(router, revokeApp, ["POST"]);

	const one = `${base}/:authToken`;
	// "revoke" reaches these only with a method `/revoke` does not have.
	router.on(["GET", "PUT", "DELETE"], one, async (c, next) => {
		if (c.req.param("authToken") === "revoke") throw methodNotAllowed(c, ["POST"]);
		await next();
	});
	router.get(one, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const token = await getAuthToken(deps, c.get("app").id, c.req.param("uid"), c.req.param("authToken"));
		const plaintext = revealAuthToken(deps, token);
		// A retrievable token's answer carries it: no cache may keep it.
		return c.json({ data: presentAuthToken(token, plaintext) }, 200, plaintext === undefined ? {} : NO_STORE);
	});

	router.put(one, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const body = await readJSONBody(c);
		const token = await updateAuthToken(deps, c.get("app").id, c.req.param("uid"), c.req.param("authToken"), body);
		return c.json({ data: presentAuthToken(token) });
	});

	router.delete(one, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const audited = auditedDeps(c, deps);
		const token = await deleteAuthToken(audited, c.get("app").id, c.req.param("uid"), c.req.param("authToken"));
		return c.json({
			data: { success: true, message: `The Auth Token ${maskCredential(token.id)} has been deleted successfully.` },
		});
	});

	return router;
}
