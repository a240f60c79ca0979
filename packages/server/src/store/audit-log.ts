import { CompiledQuery, type Insertable, type Kysely, type Selectable, type Transaction } from "kysely";
import type { AuditEvent, AuditEventType, AuditWrite, OnAuditRows } from "../audit/audit-event.ts";
import { firstEventIdAt } from "../audit/recorder.ts";
import { toNumber } from "./rows.ts";
import type { AuditLogTable, Tables } from "./tables.ts";
import { holdsNul } from "./text.ts";

/** One page of an app's audit log, newest first; every field but `limit` narrows it. */
export interface AuditQuery {
	type?: AuditEventType;
	uid?: string;
	/** Only events at or after this time (unix ms). */
	since?: number;
	/** Only events strictly before this time (unix ms). */
	until?: number;
	/** Only events after this position in the newest-first order: the last row of the previous page. */
	after?: { createdAt: number; id: string };
	limit: number;
}

/** The audit log's part of the Store: insert (append-only), read newest first, and the retention job's delete. */
export interface AuditStore {
	/**
	 * Appends the events in one write, and runs the `OnAuditRows` hook (setOnAuditRows) in the same transaction.
	 * Used after the change it records has committed.
	 */
	insertAuditEvents(events: AuditEvent[]): Promise<void>;
	listAuditEvents(appId: string, query: AuditQuery): Promise<AuditEvent[]>;
	/** The retention job: deletes up to `limit` events created before `before` (every app); how many went. */
	deleteAuditEventsBefore(before: number, limit: number): Promise<number>;
}

/** The row of an event. `uid` is the event's `details.uid`, kept in a column of its own for the filter. */
export function auditEventToRow(event: AuditEvent): Insertable<AuditLogTable> {
	const uid = event.details.uid;
	return {
		id: event.id,
		app_id: event.appId,
		type: event.type,
		actor_kind: event.actor.kind,
		actor_id: event.actor.id,
		subject: event.subject,
		uid: typeof uid === "string" ? uid : null,
		ip: event.ip,
		user_agent: event.userAgent,
		details: JSON.stringify(event.details),
		created_at: event.createdAt,
	};
}

export function auditEventFromRow(row: Selectable<AuditLogTable>): AuditEvent {
	return {
		id: row.id,
		type: row.type as AuditEventType,
		appId: row.app_id,
		actor: { kind: row.actor_kind as AuditEvent["actor"]["kind"], id: row.actor_id },
		subject: row.subject,
		ip: row.ip,
		userAgent: row.user_agent,
		details: JSON.parse(row.details) as Record<string, unknown>,
		createdAt: toNumber(row.created_at),
	};
}

/** The columns of an audit row, in the order the precompiled insert binds them. */
const COLUMNS = [
	"id",
	"app_id",
	"type",
	"actor_kind",
	"actor_id",
	"subject",
	"uid",
	"ip",
	"user_agent",
	"details",
	"created_at",
] as const;

/** Inserts of this many rows or fewer run precompiled: a login's two rows skip Kysely's builder and compiler. */
const MAX_PRECOMPILED_ROWS = 4;
/** The most rows one INSERT carries (a bulk import records one event per user). */
const MAX_ROWS_PER_STATEMENT = 1000;
const compiledInserts = new WeakMap<object, string[]>();

/** The SQL of an insert of `rowCount` rows in this dialect (`?` or `$n` placeholders), compiled once per database. */
function insertSQL(db: Kysely<Tables>, rowCount: number): string {
	const adapter = db.getExecutor().adapter;
	let cached = compiledInserts.get(adapter);
	if (!cached) {
		cached = [];
		compiledInserts.set(adapter, cached);
	}
	let text = cached[rowCount];
	if (text === undefined) {
		const placeholderRow = Object.fromEntries(COLUMNS.map((column) => [column, null])) as never;
		text = db
			.insertInto("audit_log")
			.values(Array.from({ length: rowCount }, () => placeholderRow))
			.compile().sql;
		cached[rowCount] = text;
	}
	return text;
}

/** Inserts the events and, in the same transaction, hands them to the hook (the webhooks' outbox). */
export async function insertAuditEvents(
	trx: Transaction<Tables>,
	events: AuditEvent[],
	onAuditRows: OnAuditRows | null,
): Promise<void> {
	if (events.length === 0) return;
	const rows = events.map(auditEventToRow);
	if (rows.length <= MAX_PRECOMPILED_ROWS) {
		const parameters = rows.flatMap((row) => COLUMNS.map((column) => row[column] ?? null));
		await trx.executeQuery(CompiledQuery.raw(insertSQL(trx, rows.length), parameters));
	} else {
		// One statement per 1,000 rows: 11 parameters a row stay below SQLite's 32,766 and PostgreSQL's 65,535.
		for (let start = 0; start < rows.length; start += MAX_ROWS_PER_STATEMENT) {
			await trx
				.insertInto("audit_log")
				.values(rows.slice(start, start + MAX_ROWS_PER_STATEMENT))
				.execute();
		}
	}
	if (onAuditRows) await onAuditRows(trx, events);
}

/** A change's audit rows failed to insert in its own write; the store retries the change without them. */
export class AuditWriteFailed extends Error {
	constructor(readonly reason: unknown) {
		super("the audit rows of this write were not inserted");
	}
}

/**
 * Inserts a change's audit rows inside its own transaction, as plain statements (no savepoint: a login pays only the
 * insert). A failure is wrapped in AuditWriteFailed, which fails the transaction; the store then runs the change
 * again without them (insertAuthToken) and reports the failure to the write's onError.
 */
export async function insertAuditWrite(
	trx: Transaction<Tables>,
	write: AuditWrite,
	onAuditRows: OnAuditRows | null,
): Promise<void> {
	try {
		await insertAuditEvents(trx, write.events, onAuditRows);
	} catch (error) {
		throw new AuditWriteFailed(error);
	}
}

export async function listAuditEvents(db: Kysely<Tables>, appId: string, query: AuditQuery): Promise<AuditEvent[]> {
	if (holdsNul(appId, query.uid, query.after?.id)) return [];
	let select = db.selectFrom("audit_log").selectAll().where("app_id", "=", appId);
	if (query.type !== undefined) select = select.where("type", "=", query.type);
	if (query.uid !== undefined) select = select.where("uid", "=", query.uid);
	if (query.since !== undefined) select = select.where("created_at", ">=", query.since);
	if (query.until !== undefined) select = select.where("created_at", "<", query.until);
	const after = query.after;
	if (after !== undefined) {
		// Newest first by (created_at, id): the next page is what sorts strictly below the last row shown.
		select = select.where((eb) =>
			eb.or([
				eb("created_at", "<", after.createdAt),
				eb.and([eb("created_at", "=", after.createdAt), eb("id", "<", after.id)]),
			]),
		);
	}
	const rows = await select.orderBy("created_at", "desc").orderBy("id", "desc").limit(query.limit).execute();
	return rows.map(auditEventFromRow);
}

export async function deleteAuditEventsBefore(db: Kysely<Tables>, before: number, limit: number): Promise<number> {
	// A bounded batch keeps each write short (on SQLite every other write waits for it). Two nodes running this at
	// once on PostgreSQL delete overlapping rows: the second waits for the first's row locks, then finds them gone.
	const result = await db
		.deleteFrom("audit_log")
		.where("id", "in", (eb) =>
			eb.selectFrom("audit_log").select("id").where("id", "<", firstEventIdAt(before)).orderBy("id").limit(limit),
		)
		.executeTakeFirst();
	return Number(result.numDeletedRows);
}
