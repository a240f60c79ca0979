import type { AuditEvent, OnAuditRows } from "../audit/audit-event.ts";
import { insertWebhookDeliveries } from "../store/webhooks.ts";

/**
 * The audit log's hook (OnAuditRows) that fills the webhooks' outbox: for each event just recorded, one pending
 * delivery per webhook of its app subscribed to its type, written in the audit insert's transaction, so an event
 * that is committed is also queued, and a crash before it is sent loses nothing. `wake` tells this node's worker;
 * it looks a moment later (after the commit), and other nodes find the rows at their next poll.
 */
export function createWebhookOutboxHook(options: { wake?: () => void } = {}): OnAuditRows {
	return async (trx, events) => {
		const written = await insertWebhookDeliveries(
			trx,
			events.map((event) => ({
				type: event.type,
				appId: event.appId,
				createdAt: event.createdAt,
				json: serializeWebhookEvent(event),
			})),
		);
		// The worker's claim runs after this transaction commits: on SQLite it queues behind it, and elsewhere
		// wake() only schedules a look on a later turn of the event loop; the poll catches anything missed.
		if (written > 0) options.wake?.();
	};
}

/** The body of a delivery: the audit event as the audit log's API shows it. */
export function serializeWebhookEvent(event: AuditEvent): string {
	return JSON.stringify({
		id: event.id,
		type: event.type,
		appId: event.appId,
		actor: event.actor,
		subject: event.subject,
		ip: event.ip,
		userAgent: event.userAgent,
		details: event.details,
		createdAt: event.createdAt,
	});
}
