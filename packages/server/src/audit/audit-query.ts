import type { DomainDeps } from "../domain/deps.ts";
import { LatchkeyError } from "../domain/errors.ts";
import { normalizeUid } from "../domain/users.ts";
import type { AuditQuery } from "../store/audit-log.ts";
import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditEventType } from "./audit-event.ts";

/** The audit log's page size unless `limit` says otherwise, and its most. */
export const DEFAULT_AUDIT_PAGE = 50;
export const MAX_AUDIT_PAGE = 100;

/**
 * One page of an app's audit log, newest first, and the cursor of the next page (null on the last).
 *
 * @example
 * const { events, next } = await listAuditEvents(deps, appId, parseAuditQuery((name) => query[name]));
 */
export async function listAuditEvents(
	deps: DomainDeps,
	appId: string,
	query: AuditQuery,
): Promise<{ events: AuditEvent[]; next: string | null }> {
	// One row more than the page tells whether another page follows.
	const rows = await deps.store.listAuditEvents(appId, { ...query, limit: query.limit + 1 });
	const events = rows.slice(0, query.limit);
	const last = events.at(-1);
	return { events, next: rows.length > query.limit && last ? encodeAuditCursor(last.createdAt, last.id) : null };
}

function badParam(name: string, message: string): LatchkeyError {
	return new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
		[name]: [message],
	});
}

/**
 * The audit log's filters (`GET /v3/audit_log`'s query string, the CLI's options); any malformed one is
 * ERR_BAD_REQUEST naming it.
 */
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
function encodeAuditCursor(createdAt: number, id: string): string {
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
