import type { Clock } from "../domain/clock.ts";
import type { AuditStore } from "../store/audit-log.ts";

/** LATCHKEY_AUDIT_RETENTION_DAYS's default: events older than this many days are deleted. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;
/** How often a node runs the retention job. */
export const AUDIT_RETENTION_INTERVAL_MS = 60 * 60 * 1000;
/** Rows per delete: each is one short write, so other writes never wait long behind it. */
const DELETE_BATCH = 1_000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Schedules `callback` after `ms`; answers the cancel. Tests pass their own to run the job by hand. */
export type SetTimer = (callback: () => void, ms: number) => () => void;

const realSetTimer: SetTimer = (callback, ms) => {
	const timer = setTimeout(callback, ms);
	timer.unref();
	return () => clearTimeout(timer);
};

/**
 * The retention job, the only code that deletes audit rows: every event created more than `retentionDays` before
 * `clock.now()`, in batches; how many went. Running it on several nodes at once is harmless: each batch deletes what
 * is still there, and a row deleted twice is deleted once.
 */
export async function pruneAuditLog(
	store: Pick<AuditStore, "deleteAuditEventsBefore">,
	clock: Clock,
	retentionDays: number,
): Promise<number> {
	const before = clock.now() - retentionDays * DAY_MS;
	let total = 0;
	for (;;) {
		const deleted = await store.deleteAuditEventsBefore(before, DELETE_BATCH);
		total += deleted;
		if (deleted < DELETE_BATCH) return total;
	}
}

/** A minute after start (not in the way of a start-up), then every AUDIT_RETENTION_INTERVAL_MS. */
const FIRST_RUN_DELAY_MS = 60_000;

/** Runs pruneAuditLog a minute after start and then every AUDIT_RETENTION_INTERVAL_MS; returns its stop. */
export function startAuditRetention(
	store: Pick<AuditStore, "deleteAuditEventsBefore">,
	clock: Clock,
	options: { retentionDays: number; setTimer?: SetTimer; onError?: (error: unknown) => void },
): () => void {
	const setTimer = options.setTimer ?? realSetTimer;
	let stopped = false;
	let cancel = (): void => {};
	const run = (): void => {
		pruneAuditLog(store, clock, options.retentionDays)
			.catch((error: unknown) => options.onError?.(error))
			.finally(() => {
				if (!stopped) cancel = setTimer(run, AUDIT_RETENTION_INTERVAL_MS);
			});
	};
	cancel = setTimer(run, FIRST_RUN_DELAY_MS);
	return () => {
		stopped = true;
		cancel();
	};
}
