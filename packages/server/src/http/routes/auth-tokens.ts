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
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { AUTH_OR_FULL, FULL_ACCESS, requireApiKey, throttleAuthKeyLogin } from "../middleware/auth.ts";
import { NO_STORE } from "../middleware/security-headers.ts";
import { parsePageParams } from "../query.ts";

export const MAX_AUTH_TOKENS_PER_PAGE = 100;

export function authTokensRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();
	const base = "/users/:uid/auth_tokens";

	// login(uid, authKey) in the SDK: an Auth Key may mint tokens.
	router.post(base, requireApiKey(deps, AUTH_OR_FULL), throttleAuthKeyLogin(deps), async (c) => {
		const body = await readJSONBody(c);
		const { token, plaintext } = await createAuthToken(deps, c.get("app").id, c.req.param("uid"), body);
		return c.json({ data: presentAuthToken(token, plaintext) }, 200, NO_STORE);
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
		await flushAuthTokens(deps, c.get("app").id, uid);
		return c.json({ data: { success: true, message: `Cleared Auth Tokens successfully for uid ${uid}.` } });
	});
	refuseOtherMethods(router, base, ["GET", "POST", "DELETE"]);

	// The revocation ladder (issue 15). Registered before `/:authToken`, whose catch-all would take "revoke" for a
	// token and answer 405.
	const revokeUser = `${base}/revoke`;
	router.post(revokeUser, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const body = await readJSONBody(c);
		const revoked = await revokeUserAuthTokens(deps, c.get("app").id, c.req.param("uid"), body);
		return c.json({ data: { revoked } });
	});
	refuseOtherMethods(router, revokeUser, ["POST"]);

	const revokeApp = "/auth_tokens/revoke";
	router.post(revokeApp, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const revoked = await revokeAppAuthTokens(deps, c.get("app").id, await readJSONBody(c));
		return c.json({ data: { revoked } });
	});
	refuseOtherMethods(router, revokeApp, ["POST"]);

	const one = `${base}/:authToken`;
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
		const token = await deleteAuthToken(deps, c.get("app").id, c.req.param("uid"), c.req.param("authToken"));
		return c.json({
			data: { success: true, message: `The Auth Token ${maskCredential(token.id)} has been deleted successfully.` },
		});
	});
	refuseOtherMethods(router, one, ["GET", "PUT", "DELETE"]);

	return router;
}
