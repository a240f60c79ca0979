import { Hono } from "hono";
import { loginFailed } from "../../audit/token-events.ts";
import { LatchkeyError } from "../../domain/errors.ts";
import {
	createIdentityProvider,
	deleteIdentityProvider,
	getIdentityProvider,
	listIdentityProviders,
	MAX_IDENTITY_PROVIDERS_PER_APP,
	presentIdentityProvider,
	updateIdentityProvider,
} from "../../domain/identity-providers.ts";
import { presentPagination, presentUser } from "../../domain/presenters.ts";
import { IdentityKeySets, signInWithIdentity, verifyIdentityToken } from "../../domain/token-exchange.ts";
import type { AppDeps } from "../../web/deps.ts";
import { RateLimits } from "../../web/rate-limits.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { FULL_ACCESS, requireApiKey } from "../middleware/auth.ts";
import { requestAddress, tooManyRequests } from "../middleware/rate-limit.ts";
import { NO_STORE } from "../middleware/security-headers.ts";
import { auditedDeps } from "./audit-log.ts";

/** Refusals that say the token (or its user) is not good: they count against the client's address. */
const EXCHANGE_FAILURES: ReadonlySet<string> = new Set(["AUTH_ERR_INVALID_IDENTITY_TOKEN", "ERR_UID_NOT_FOUND"]);

/**
 * The app's trusted identity providers (REST API Key, fullAccess) and the token exchange (only the `appid`
 * header): POST /auth_tokens/exchange turns a provider's JWT into an auth token (issue 18, docs/identity-providers.md).
 */
export function identityProvidersRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();
	const options = deps.identityProviders ?? {};
	// One set of cached key sets per app instance: built once, kept across requests.
	const keySets = new IdentityKeySets(options);
	const limits = deps.rateLimits ?? new RateLimits();

	router.post("/identity_providers", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const provider = await createIdentityProvider(deps, c.get("app").id, await readJSONBody(c), options);
		return c.json({ data: presentIdentityProvider(provider) });
	});

	router.get("/identity_providers", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const providers = await listIdentityProviders(deps, c.get("app").id);
		return c.json({
			data: providers.map(presentIdentityProvider),
			meta: {
				pagination: presentPagination(providers.length, providers.length, MAX_IDENTITY_PROVIDERS_PER_APP, 1),
			},
		});
	});
	refuseOtherMethods(router, "/identity_providers", ["GET", "POST"]);

	const one = "/identity_providers/:id";
	router.get(one, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const provider = await getIdentityProvider(deps, c.get("app").id, c.req.param("id"));
		return c.json({ data: presentIdentityProvider(provider) });
	});

	router.put(one, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const body = await readJSONBody(c);
		const provider = await updateIdentityProvider(deps, c.get("app").id, c.req.param("id"), body, options);
		return c.json({ data: presentIdentityProvider(provider) });
	});

	router.delete(one, requireApiKey(deps, FULL_ACCESS), async (c) => {
		const id = c.req.param("id");
		await deleteIdentityProvider(deps, c.get("app").id, id);
		keySets.forget(id);
		return c.json({ data: { success: true, message: `The identity provider ${id} has been deleted successfully.` } });
	});
	refuseOtherMethods(router, one, ["GET", "PUT", "DELETE"]);

	// Like login(uid, authKey) and login(authToken): an address over its failure budget is refused before any work,
	// a refused token counts one failure against it, and a verified identity spends its user's login budget.
	router.post("/auth_tokens/exchange", async (c) => {
		const appId = c.get("app").id;
		const address = requestAddress(c, deps);
		const blocked = limits.blockedAddress(address);
		if (blocked) throw tooManyRequests(c, blocked, "address");
		const body = await readJSONBody(c);
		const audited = auditedDeps(c, deps);
		const countFailure = async (error: unknown, uid: string | null): Promise<unknown> => {
			if (!(error instanceof LatchkeyError) || !EXCHANGE_FAILURES.has(error.code)) return error;
			await audited.audit?.record(loginFailed(appId, uid, "exchange", error.code));
			if (uid === null) {
				const decision = await limits.recordFailure(address);
				return decision && !decision.allowed ? tooManyRequests(c, decision, "address") : error;
			}
			await limits.recordLoginFailure(address, appId, uid);
			return error;
		};
		let identity: Awaited<ReturnType<typeof verifyIdentityToken>>;
		try {
			identity = await verifyIdentityToken(deps, appId, body, keySets);
		} catch (error) {
			throw await countFailure(error, null);
		}
		const refusal = await limits.admitLogin(address, appId, identity.uid);
		if (refusal) throw tooManyRequests(c, refusal.decision, refusal.scope);
		let signedIn: Awaited<ReturnType<typeof signInWithIdentity>>;
		try {
			signedIn = await signInWithIdentity(audited, appId, identity, body);
		} catch (error) {
			throw await countFailure(error, identity.uid);
		}
		// The answer of POST /users with withAuthToken, so a client passes `authToken` to login(authToken) unchanged.
		const data = presentUser(signedIn.user, { withTags: true, authToken: signedIn.plaintext });
		return c.json({ data }, 200, NO_STORE);
	});
	refuseOtherMethods(router, "/auth_tokens/exchange", ["POST"]);

	return router;
}
