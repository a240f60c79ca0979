import type { OnAuditRows } from "../audit/audit-event.ts";
import { insertAuditEventDeliveries } from "../store/webhooks.ts";

/**
 * The audit log's hook (OnAuditRows) that fills the webhooks' outbox, as every KyselyStore does by default, and
 * wakes this node's worker when it wrote rows: for each event just recorded, one pending delivery per webhook of its
 * app subscribed to its type, written in the audit insert's transaction, so an event that is committed is also
 * queued, and a crash before it is sent loses nothing. The worker looks at once and again shortly (after the commit);
 * other nodes find the rows at their next poll.
 */
export function createWebhookOutboxHook(options: { wake?: () => void } = {}): OnAuditRows {
	return async (trx, events) => {
		const written = await insertAuditEventDeliveries(trx, events);
		if (written > 0) options.wake?.();
	};
}
