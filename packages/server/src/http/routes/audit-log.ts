import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { AUDIT_EVENT_TYPES, type AuditActor, type AuditEventType, type LoginMethod } from "../../audit/audit-event.ts";
import { loginFailed } from "../../audit/token-events.ts";
import { LatchkeyError } from "../../domain/errors.ts";
import { normalizeUid } from "../../domain/users.ts";
import type { AuditQuery } from "../../store/audit-log.ts";
import type { ApiKeyRecord, Session } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { ERROR_STATUS } from "../../web/error-status.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { FULL_ACCESS, requireApiKey } from "../middleware/auth.ts";
import { requestAddress } from "../middleware/rate-limit.ts";

export const DEFAULT_AUDIT_PAGE = 50;
export const MAX_AUDIT_PAGE = 100;

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
		const events = await deps.store.listAuditEvents(c.get("app").id, { ...query, limit: query.limit + 1 });
		const page = events.slice(0, query.limit);
		const last = page.at(-1);
		const next = events.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null;
		return c.json({ data: page, meta: { cursor: { next } } });
	});
	refuseOtherMethods(router, "/audit_log", ["GET"]);
	return router;
}

function badParam(name: string, message: string): LatchkeyError {
	return new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
		[name]: [message],
	});
}

/** The list's query string; any malformed parameter is ERR_BAD_REQUEST naming it. */
export function parseAuditQuery(param: (name: string) => string | undefined): AuditQuery {
	const query: AuditQuery = { limit: DEFAULT_AUDIT_PAGE };
	const type = param("type");
	if (type !== undefined && type !== "") {
		if (!(AUDIT_EVENT_TYPES as readonly string[]).includes(type)) {
			throw badParam("type", `The type must be one of ${AUDIT_EVENT_TYPES.join(", ")}.`);
		}
		query.type = type as AuditEventType;
	}
	const uid = param("uid");
	if (uid !== undefined && uid !== "") {
		const normalized = normalizeUid(uid);
		if (normalized === null)
			throw badParam("uid", "The uid may only contain letters, numbers, dashes and underscores.");
		query.uid = normalized;
	}
	const since = parseTime("since", param("since"));
	if (since !== undefined) query.since = since;
	const until = parseTime("until", param("until"));
	if (until !== undefined) query.until = until;
	const limit = param("limit");
	if (limit !== undefined && limit !== "") {
		if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_AUDIT_PAGE) {
			throw badParam("limit", `The limit must be an integer between 1 and ${MAX_AUDIT_PAGE}.`);
		}
		query.limit = Number(limit);
	}
	const cursor = param("cursor");
	if (cursor !== undefined && cursor !== "") query.after = decodeCursor(cursor);
	return query;
}

/** Unix milliseconds, or an ISO 8601 date-time (`2026-12-07T10:00:00Z`). */
function parseTime(name: string, value: string | undefined): number | undefined {
	if (value === undefined || value === "") return undefined;
	if (/^\d{1,15}$/.test(value)) return Number(value);
	const parsed = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? Date.parse(value) : Number.NaN;
	if (Number.isNaN(parsed)) {
		throw badParam(name, `The ${name} must be a time in unix milliseconds or an ISO 8601 date-time.`);
	}
	return parsed;
}

// The cursor is opaque to clients: the position (createdAt, id) of the last event of the page, base64url JSON.
function encodeCursor(createdAt: number, id: string): string {
	return Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
	let position: unknown;
	try {
		position = cursor.length <= 200 ? JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) : null;
	} catch {
		position = null;
	}
	if (
		!Array.isArray(position) ||
		position.length !== 2 ||
		!Number.isSafeInteger(position[0]) ||
		typeof position[1] !== "string" ||
		!/^evt_[0-9a-f]{32}$/.test(position[1])
	) {
		throw badParam("cursor", "The cursor is not one this API answered.");
	}
	return { createdAt: position[0] as number, id: position[1] };
}
