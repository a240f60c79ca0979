import type { Transaction } from "kysely";
import type { Tables } from "../store/tables.ts";

/** Every kind of event the audit log records (issue 16); the names are the public contract. */
export type AuditEventType =
	| "user.created"
	| "user.updated"
	| "user.deactivated"
	| "user.reactivated"
	| "user.deleted"
	| "token.created"
	| "token.revoked"
	| "login.succeeded"
	| "login.failed"
	| "apikey.created"
	| "apikey.updated"
	| "apikey.deleted"
	| "apikey.rotated"
	| "security.updated"
	| "webhook.created"
	| "webhook.deleted";

/** Every AuditEventType, for validating a `type` filter. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
	"user.created",
	"user.updated",
	"user.deactivated",
	"user.reactivated",
	"user.deleted",
	"token.created",
	"token.revoked",
	"login.succeeded",
	"login.failed",
	"apikey.created",
	"apikey.updated",
	"apikey.deleted",
	"apikey.rotated",
	"security.updated",
	"webhook.created",
	"webhook.deleted",
];

/** Why a token ended, in `token.revoked` details.reason. */
export type TokenRevocationReason = "revoked" | "logged_out" | "user_deleted" | "expired" | "evicted" | "flushed";

/** How a login was attempted, in `login.*` details.method. */
export type LoginMethod = "authKey" | "authToken" | "exchange";

/**
 * Who caused an event. `id` is the API key id, the uid, the operator id; null for the CLI and the system.
 * Never a secret.
 */
export interface AuditActor {
	kind: "apiKey" | "user" | "operator" | "cli" | "system";
	id: string | null;
}

/** One audit log row, as the API answers it. `createdAt` is unix milliseconds. */
export interface AuditEvent {
	id: string;
	type: AuditEventType;
	appId: string;
	actor: AuditActor;
	/** The uid, the masked token id (maskCredential) or the API key id; never a secret. */
	subject: string | null;
	ip: string | null;
	userAgent: string | null;
	details: Record<string, unknown>;
	createdAt: number;
}

/** What the domain says about an event; the actor, ip and userAgent come from the recorder's request context. */
export interface AuditInput {
	type: AuditEventType;
	appId: string;
	subject: string | null;
	/** Event facts; `details.uid` (a string) also feeds the log's `uid` filter. Never a secret. */
	details?: Record<string, unknown>;
}

/** Who and where a recorder attributes its events to; bound once per request (or per CLI run, per sweep). */
export interface AuditContext {
	actor: AuditActor;
	ip: string | null;
	userAgent: string | null;
}

/**
 * Records audit events. The domain calls `record` after (or, through `prepare`, inside) the write that made the
 * change, on the node that made it; it never fails the caller (a failure is logged) and waits only for the
 * row insert. Absent from DomainDeps: nothing is recorded.
 */
export interface AuditRecorder {
	/** Inserts the event (its own write, queued right after the change's commit). Never rejects. */
	record(input: AuditInput): Promise<void>;
	/** Inserts several events in one write (a flush revoking many tokens). Never rejects. */
	recordAll(inputs: AuditInput[]): Promise<void>;
	/**
	 * Stamps the events (id, actor, ip, userAgent, createdAt) without writing them, for a store write that inserts
	 * them in the same transaction as the change (`AuditWrite`).
	 */
	prepare(inputs: AuditInput[]): AuditWrite;
	/** The same recorder attributing its events to another actor, address and user agent (one per request). */
	bind(context: AuditContext): AuditRecorder;
}

/**
 * Audit rows a store write inserts in the change's own transaction: if their insert (or the OnAuditRows hook) fails,
 * the store writes the change again without them, and `onError` is told.
 */
export interface AuditWrite {
	events: AuditEvent[];
	onError: (error: unknown) => void;
}

/**
 * The hook for work that must commit with the audit rows (the webhooks' outbox, issue 16). The store calls it IN
 * THE SAME TRANSACTION as every audit insert, with the events just inserted, after them; if it throws, that
 * transaction rolls back: for an insert after the change's commit only the audit rows; for an insert inside the
 * change's own write (AuditWrite) the change too, which the store then writes again without its rows. Either way the
 * failure is logged and the request that caused the event does not fail.
 * The server wiring sets it once with `KyselyStore.setOnAuditRows(hook)` before it serves.
 */
export type OnAuditRows = (trx: Transaction<Tables>, events: AuditEvent[]) => Promise<void>;
