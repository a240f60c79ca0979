import { randomUUID } from "node:crypto";
import type { Clock } from "../domain/clock.ts";
import type { AuditStore } from "../store/audit-log.ts";
import type { AuditContext, AuditEvent, AuditInput, AuditRecorder } from "./audit-event.ts";

/** Column widths (migration 0010): a longer value from a client is cut, not refused. */
const MAX_ADDRESS_LENGTH = 64;
const MAX_USER_AGENT_LENGTH = 255;
const MAX_REFERENCE_LENGTH = 200;

/** The context of work nobody asked for over a request: the expiry sweep, the retention job. */
export const SYSTEM_CONTEXT: AuditContext = { actor: { kind: "system", id: null }, ip: null, userAgent: null };

export interface AuditRecorderOptions {
	clock: Clock;
	/** Told of a failed insert (the server logs it); the request that caused the event is not failed. */
	onError: (error: unknown, event: AuditEvent) => void;
}

/**
 * The recorder over the store. `record` awaits only its own insert, which on SQLite joins the group commit after
 * the change's; a failure is reported to `onError`, never thrown. `bind` makes a per-request copy: two object
 * allocations, paid only by requests that write.
 */
export function createAuditRecorder(
	store: Pick<AuditStore, "insertAuditEvents">,
	context: AuditContext,
	options: AuditRecorderOptions,
): AuditRecorder {
	const prepare = (input: AuditInput): AuditEvent => {
		// One reading of the clock for both: the id's time is the event's, which the retention job relies on.
		const now = options.clock.now();
		return {
			id: generateEventId(now),
			type: input.type,
			appId: input.appId,
			actor: { kind: context.actor.kind, id: cut(context.actor.id, MAX_REFERENCE_LENGTH) },
			subject: cut(input.subject, MAX_REFERENCE_LENGTH),
			ip: cut(context.ip, MAX_ADDRESS_LENGTH),
			userAgent: cut(context.userAgent, MAX_USER_AGENT_LENGTH),
			details: input.details ?? {},
			createdAt: now,
		};
	};
	const insertAll = async (events: AuditEvent[]): Promise<void> => {
		try {
			await store.insertAuditEvents(events);
		} catch (error) {
			options.onError(error, events[0] as AuditEvent);
		}
	};
	return {
		prepare: (inputs) => {
			const events = inputs.map(prepare);
			return { events, onError: (error) => options.onError(error, events[0] as AuditEvent) };
		},
		async record(input) {
			await insertAll([prepare(input)]);
		},
		async recordAll(inputs) {
			if (inputs.length > 0) await insertAll(inputs.map(prepare));
		},
		bind: (bound) => createAuditRecorder(store, bound, options),
	};
}

let sequence = 0;

/**
 * `evt_` + 32 hex digits: the time (12), a per-process sequence (6) and randomness (14). Ids of one node sort in the
 * order its events were recorded, also within a millisecond, which is the log's order after `createdAt`.
 */
function generateEventId(now: number): string {
	sequence = (sequence + 1) % 0x1000000;
	const time = eventIdTime(now);
	// randomUUID draws from a cached pool of entropy (randomBytes asks the kernel on every call): 14 of its hex digits.
	const random = randomUUID().replaceAll("-", "").slice(-14);
	return `evt_${time}${sequence.toString(16).padStart(6, "0")}${random}`;
}

function eventIdTime(ms: number): string {
	return Math.max(0, Math.min(ms, 0xffffffffffff)).toString(16).padStart(12, "0");
}

/**
 * The smallest event id of time `ms`: every event recorded before `ms` has a smaller id, every one at or after it
 * a larger one, so the retention job deletes by the primary key's order and the table needs no index on time.
 */
export function firstEventIdAt(ms: number): string {
	return `evt_${eventIdTime(ms)}`;
}

function cut(value: string | null, length: number): string | null {
	return value === null ? null : value.slice(0, length);
}
