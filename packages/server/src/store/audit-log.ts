import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { AuditEvent, AuditEventType, AuditWrite, OnAuditRows } from "../audit/audit-event.ts";
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

/** Inserts the events and, in the same transaction, hands them to the hook (the webhooks' outbox). */
export async function insertAuditEvents(
	trx: Transaction<Tables>,
	events: AuditEvent[],
	onAuditRows: OnAuditRows | null,
): Promise<void> {
	if (events.length === 0) return;
	await trx.insertInto("audit_log").values(events.map(auditEventToRow)).execute();
	if (onAuditRows) await onAuditRows(trx, events);
}

/**
 * Inserts a change's audit rows inside its own transaction, in a savepoint: a failure rolls back only them (the
 * change still commits) and is handed to the write's onError. The savepoint costs two statements, no fsync.
 */
export async function insertAuditWrite(
	trx: Transaction<Tables>,
	write: AuditWrite,
	onAuditRows: OnAuditRows | null,
): Promise<void> {
	await sql`savepoint audit_rows`.execute(trx);
	try {
		await insertAuditEvents(trx, write.events, onAuditRows);
		await sql`release audit_rows`.execute(trx);
	} catch (error) {
		await sql`rollback to audit_rows`.execute(trx);
		await sql`release audit_rows`.execute(trx);
		write.onError(error);
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
			eb.selectFrom("audit_log").select("id").where("created_at", "<", before).orderBy("created_at").limit(limit),
		)
		.executeTakeFirst();
	return Number(result.numDeletedRows);
}
