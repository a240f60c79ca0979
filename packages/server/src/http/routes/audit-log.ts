import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import type { AuditActor, LoginMethod } from "../../audit/audit-event.ts";
import { listAuditEvents, parseAuditQuery } from "../../audit/audit-query.ts";
import { loginFailed } from "../../audit/token-events.ts";
import { LatchkeyError } from "../../domain/errors.ts";
import { normalizeUid } from "../../domain/users.ts";
import type { ApiKeyRecord, Session } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { ERROR_STATUS } from "../../web/error-status.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { FULL_ACCESS, requireApiKey } from "../middleware/auth.ts";
import { requestAddress } from "../middleware/rate-limit.ts";

/**
 * The deps of one writing request, with the audit recorder bound to who is acting (the API key, else the logged-in
 * user), the client's address and user agent. Only the routes that write call this: a read (GET /me) pays nothing.
 */
export function auditedDeps(c: Context<Env>, deps: AppDeps): AppDeps {
	if (!deps.audit) return deps;
	return { ...deps, audit: deps.audit.bind({ actor: actorOf(c), ...clientOf(c, deps) }) };
}

function actorOf(c: Context<Env>): AuditActor {
	const key = c.get("apiKey") as ApiKeyRecord | undefined;
	if (key) return { kind: "apiKey", id: key.id };
	const session = c.get("session") as Session | undefined;
	return { kind: "user", id: session ? session.user.uid : null };
}

function clientOf(c: Context<Env>, deps: AppDeps): { ip: string | null; userAgent: string | null } {
	const ip = requestAddress(c, deps);
	return { ip: ip === "unknown" ? null : ip, userAgent: c.req.header("user-agent") ?? null };
}

/**
 * Records `login.failed` for a login request of a known app refused as a guess would be (401, 403, 404: unknown key,
 * token or uid, a deactivated user, an Auth Key not allowed), with the error code. The rate limits in front bound how
 * many: a client over its failure budget gets 429, which is not recorded. Registered before the route's auth.
 * A `fullAccess` key's token minting is the app's backend, not a login: its failures are not recorded.
 */
export function auditLoginFailures(deps: AppDeps, method: LoginMethod): MiddlewareHandler<Env> {
	return async (c, next) => {
		await next();
		const error = c.error;
		if (!deps.audit || !(error instanceof LatchkeyError)) return;
		const status = ERROR_STATUS[error.code];
		if (status !== 401 && status !== 403 && status !== 404) return;
		const app = c.get("app") as Env["Variables"]["app"] | undefined;
		const key = c.get("apiKey") as ApiKeyRecord | undefined;
		if (!app || key?.scope === "fullAccess") return;
		const session = c.get("session") as Session | undefined;
		const named = c.req.param("uid");
		const uid = session?.user.uid ?? (named === undefined ? null : normalizeUid(named));
		const actor: AuditActor = method === "authKey" ? { kind: "apiKey", id: key?.id ?? null } : actorOf(c);
		await deps.audit.bind({ actor, ...clientOf(c, deps) }).record(loginFailed(app.id, uid, method, error.code));
	};
}

/** `GET /v3/audit_log` (issue 16): the app's audit log, newest first, with the REST API Key (fullAccess). */
export function auditLogRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();
	router.get("/audit_log", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const query = parseAuditQuery((name) => c.req.query(name));
		const { events, next } = await listAuditEvents(deps, c.get("app").id, query);
		return c.json({ data: events, meta: { cursor: { next } } });
	});
	refuseOtherMethods(router, "/audit_log", ["GET"]);
	return router;
}
