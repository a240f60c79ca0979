import { randomBytes } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { AuditEvent } from "../audit/audit-event.ts";
import type { DialectName } from "./dialects.ts";
import { toNumber } from "./rows.ts";
import type { Page, PageRequest } from "./store.ts";
import type { Tables, WebhookDeliveriesTable, WebhooksTable } from "./tables.ts";
import { holdsNul } from "./text.ts";

// Webhooks (issue 16): an app's endpoints and the outbox of their deliveries. The records and the queries live here;
// store.ts names the methods and kysely-store.ts routes them through the write queue.

export interface WebhookRecord {
	id: string;
	appId: string;
	url: string;
	/** Event types, or `["*"]` for every one. */
	events: string[];
	description: string | null;
	/** The signing secret as stored: sealed (`v1.…`) when the server has an encryption key, else as is. */
	secret: string;
	createdAt: number;
	updatedAt: number | null;
}

export interface WebhookPatch {
	url?: string;
	events?: string[];
	description?: string | null;
	updatedAt: number;
}

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDeliveryRecord {
	id: string;
	webhookId: string;
	appId: string;
	eventType: string;
	/** The event JSON: exactly the body POSTed and signed. */
	event: string;
	status: WebhookDeliveryStatus;
	attempts: number;
	lastResponseCode: number | null;
	lastAttemptAt: number | null;
	/** When the next attempt is due; null once delivered or failed. */
	nextAttemptAt: number | null;
	createdAt: number;
}

/** A delivery the worker claimed, with what it needs to send it. */
export interface ClaimedWebhookDelivery extends WebhookDeliveryRecord {
	url: string;
	secret: string;
}

/** An event as the outbox takes it: the fields it routes by, and the JSON it sends. */
export interface OutboxEvent {
	type: string;
	appId: string;
	createdAt: number;
	/** The delivery's body; called only when some webhook of the app wants the event (most apps have none). */
	json: () => string;
}

/** What an attempt did to a delivery. */
export interface WebhookAttemptOutcome {
	status: WebhookDeliveryStatus;
	lastResponseCode: number | null;
	lastAttemptAt: number;
	nextAttemptAt: number | null;
}

export interface ClaimRequest {
	nodeId: string;
	now: number;
	/** How long the claim holds the rows against other nodes. */
	leaseMs: number;
	limit: number;
	/** Webhooks this node already sends to at their limit: none of their rows is claimed now. */
	excludeWebhookIds: string[];
}

const DELIVERY_ID_PREFIX = "whd_";

function webhookFromRow(row: WebhooksTable): WebhookRecord {
	return {
		id: row.id,
		appId: row.app_id,
		url: row.url,
		events: JSON.parse(row.events) as string[],
		description: row.description,
		secret: row.secret,
		createdAt: toNumber(row.created_at),
		updatedAt: row.updated_at === null ? null : toNumber(row.updated_at),
	};
}

function deliveryFromRow(row: WebhookDeliveriesTable): WebhookDeliveryRecord {
	return {
		id: row.id,
		webhookId: row.webhook_id,
		appId: row.app_id,
		eventType: row.event_type,
		event: row.event,
		status: row.status as WebhookDeliveryStatus,
		attempts: toNumber(row.attempts),
		lastResponseCode: row.last_response_code === null ? null : toNumber(row.last_response_code),
		lastAttemptAt: row.last_attempt_at === null ? null : toNumber(row.last_attempt_at),
		nextAttemptAt: row.next_attempt_at === null ? null : toNumber(row.next_attempt_at),
		createdAt: toNumber(row.created_at),
	};
}

/** Inserts unless the app already has `maxPerApp` webhooks; false at the cap. Atomic inside the caller's transaction. */
export async function insertWebhook(
	trx: Transaction<Tables>,
	webhook: WebhookRecord,
	options: { maxPerApp: number },
): Promise<boolean> {
	// Touching the app row first serialises creation per app on both dialects, so the cap holds across nodes.
	await trx.updateTable("apps").set({ id: webhook.appId }).where("id", "=", webhook.appId).execute();
	const { count } = await trx
		.selectFrom("webhooks")
		.select((eb) => eb.fn.countAll<number | string>().as("count"))
		.where("app_id", "=", webhook.appId)
		.executeTakeFirstOrThrow();
	if (toNumber(count) >= options.maxPerApp) return false;
	await trx
		.insertInto("webhooks")
		.values({
			id: webhook.id,
			app_id: webhook.appId,
			url: webhook.url,
			events: JSON.stringify(webhook.events),
			description: webhook.description,
			secret: webhook.secret,
			created_at: webhook.createdAt,
			updated_at: webhook.updatedAt,
		})
		.execute();
	return true;
}

export async function getWebhook(db: Kysely<Tables>, appId: string, id: string): Promise<WebhookRecord | null> {
	if (holdsNul(appId, id)) return null;
	const row = await db
		.selectFrom("webhooks")
		.selectAll()
		.where("id", "=", id)
		.where("app_id", "=", appId)
		.executeTakeFirst();
	return row ? webhookFromRow(row) : null;
}

export async function listWebhooks(db: Kysely<Tables>, appId: string): Promise<WebhookRecord[]> {
	if (holdsNul(appId)) return [];
	const rows = await db
		.selectFrom("webhooks")
		.selectAll()
		.where("app_id", "=", appId)
		.orderBy("created_at")
		.orderBy("id")
		.execute();
	return rows.map(webhookFromRow);
}

export async function updateWebhook(
	db: Kysely<Tables>,
	appId: string,
	id: string,
	patch: WebhookPatch,
): Promise<WebhookRecord | null> {
	if (holdsNul(appId, id)) return null;
	const row = await db
		.updateTable("webhooks")
		.set({
			...(patch.url !== undefined && { url: patch.url }),
			...(patch.events !== undefined && { events: JSON.stringify(patch.events) }),
			...(patch.description !== undefined && { description: patch.description }),
			updated_at: patch.updatedAt,
		})
		.where("id", "=", id)
		.where("app_id", "=", appId)
		.returningAll()
		.executeTakeFirst();
	return row ? webhookFromRow(row) : null;
}

/** Deletes the webhook and, with it, its deliveries (pending ones are never sent); the deleted webhook or null. */
export async function deleteWebhook(
	trx: Transaction<Tables>,
	appId: string,
	id: string,
): Promise<WebhookRecord | null> {
	if (holdsNul(appId, id)) return null;
	const row = await trx
		.deleteFrom("webhooks")
		.where("id", "=", id)
		.where("app_id", "=", appId)
		.returningAll()
		.executeTakeFirst();
	if (!row) return null;
	// The foreign key cascades too; said here so that nothing depends on SQLite's foreign_keys pragma.
	await trx.deleteFrom("webhook_deliveries").where("webhook_id", "=", id).execute();
	return webhookFromRow(row);
}

export async function listWebhookDeliveries(
	db: Kysely<Tables>,
	appId: string,
	webhookId: string,
	page: PageRequest,
): Promise<Page<WebhookDeliveryRecord>> {
	if (holdsNul(appId, webhookId)) return { items: [], total: 0 };
	const [rows, total] = await Promise.all([
		db
			.selectFrom("webhook_deliveries")
			.selectAll()
			.where("webhook_id", "=", webhookId)
			.where("app_id", "=", appId)
			.orderBy("created_at", "desc")
			.orderBy("id", "desc")
			.limit(page.limit)
			.offset(page.offset)
			.execute(),
		db
			.selectFrom("webhook_deliveries")
			.select((eb) => eb.fn.countAll<number | string>().as("count"))
			.where("webhook_id", "=", webhookId)
			.where("app_id", "=", appId)
			.executeTakeFirstOrThrow(),
	]);
	return { items: rows.map(deliveryFromRow), total: toNumber(total.count) };
}

function matchesEvent(events: string[], type: string): boolean {
	return events.includes("*") || events.includes(type);
}

/**
 * Writes one pending delivery per (event, subscribed webhook of the event's app), inside the caller's transaction:
 * the transaction that records the events. One indexed read of the apps' webhooks, then one insert. Returns how
 * many rows it wrote.
 */
export async function insertWebhookDeliveries(db: Kysely<Tables>, events: readonly OutboxEvent[]): Promise<number> {
	if (events.length === 0) return 0;
	const appIds = [...new Set(events.map((event) => event.appId))];
	const webhooks = await db
		.selectFrom("webhooks")
		.select(["id", "app_id", "events"])
		.where("app_id", "in", appIds)
		.execute();
	if (webhooks.length === 0) return 0;
	const subscriptions = webhooks.map((row) => ({
		id: row.id,
		appId: row.app_id,
		events: JSON.parse(row.events) as string[],
	}));
	const rows: WebhookDeliveriesTable[] = [];
	for (const event of events) {
		let json: string | undefined;
		for (const webhook of subscriptions) {
			if (webhook.appId !== event.appId || !matchesEvent(webhook.events, event.type)) continue;
			json ??= event.json();
			rows.push({
				id: DELIVERY_ID_PREFIX + randomBytes(10).toString("hex"),
				webhook_id: webhook.id,
				app_id: event.appId,
				event_type: event.type,
				event: json,
				status: "pending",
				attempts: 0,
				last_response_code: null,
				last_attempt_at: null,
				next_attempt_at: event.createdAt,
				created_at: event.createdAt,
				locked_until: null,
				locked_by: null,
			});
		}
	}
	if (rows.length > 0) await db.insertInto("webhook_deliveries").values(rows).execute();
	return rows.length;
}

/**
 * The outbox write for audit events just inserted (the OnAuditRows hook's work, store/kysely-store.ts): one pending
 * delivery per webhook of each event's app subscribed to its type, in the caller's transaction. Every process that
 * records events does this (the CLI too), so none of them bypasses webhooks. How many rows it wrote.
 */
export async function insertAuditEventDeliveries(db: Kysely<Tables>, events: readonly AuditEvent[]): Promise<number> {
	return await insertWebhookDeliveries(
		db,
		events.map((event) => ({
			type: event.type,
			appId: event.appId,
			createdAt: event.createdAt,
			json: () => serializeWebhookEvent(event),
		})),
	);
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

/**
 * Whether any delivery is due at `now`: one indexed read, so that an idle worker's poll writes nothing (on SQLite a
 * claim is a transaction with an fsync).
 */
export async function hasDueWebhookDeliveries(db: Kysely<Tables>, now: number): Promise<boolean> {
	const row = await db
		.selectFrom("webhook_deliveries")
		.select("id")
		.where("status", "=", "pending")
		.where("next_attempt_at", "<=", now)
		.where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
		.limit(1)
		.executeTakeFirst();
	return row !== undefined;
}

/**
 * Claims up to `limit` due deliveries for `nodeId` until `now + leaseMs`, with their webhook's URL and secret. On
 * PostgreSQL the candidate rows are locked with `FOR UPDATE SKIP LOCKED`, so nodes claiming at once each get
 * different rows; a row whose lease ran out (its node died mid-send) is due again.
 */
export async function claimWebhookDeliveries(
	db: Kysely<Tables>,
	dialect: DialectName,
	request: ClaimRequest,
): Promise<ClaimedWebhookDelivery[]> {
	let due = db
		.selectFrom("webhook_deliveries")
		.select("id")
		.where("status", "=", "pending")
		.where("next_attempt_at", "<=", request.now)
		.where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", request.now)]))
		.orderBy("next_attempt_at")
		.limit(request.limit);
	if (request.excludeWebhookIds.length > 0) due = due.where("webhook_id", "not in", request.excludeWebhookIds);
	if (dialect === "postgres") due = due.forUpdate().skipLocked();
	const claimed = await db
		.updateTable("webhook_deliveries")
		.set({ locked_until: request.now + request.leaseMs, locked_by: request.nodeId })
		.where("id", "in", due)
		.returningAll()
		.execute();
	if (claimed.length === 0) return [];
	const webhooks = await db
		.selectFrom("webhooks")
		.select(["id", "url", "secret"])
		.where("id", "in", [...new Set(claimed.map((row) => row.webhook_id))])
		.execute();
	const byId = new Map(webhooks.map((row) => [row.id, row]));
	const result: ClaimedWebhookDelivery[] = [];
	for (const row of claimed) {
		const webhook = byId.get(row.webhook_id);
		// Deleted between the claim and this read: its rows went with it.
		if (webhook) result.push({ ...deliveryFromRow(row), url: webhook.url, secret: webhook.secret });
	}
	return result.sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0));
}

/**
 * Records an attempt of a delivery this node holds and releases it; false (nothing written) when the lease was lost
 * to another node meanwhile.
 */
export async function settleWebhookDelivery(
	db: Kysely<Tables>,
	id: string,
	nodeId: string,
	outcome: WebhookAttemptOutcome,
): Promise<boolean> {
	const result = await db
		.updateTable("webhook_deliveries")
		.set((eb) => ({
			status: outcome.status,
			attempts: eb("attempts", "+", 1),
			last_response_code: outcome.lastResponseCode,
			last_attempt_at: outcome.lastAttemptAt,
			next_attempt_at: outcome.nextAttemptAt,
			locked_until: null,
			locked_by: null,
		}))
		.where("id", "=", id)
		.where("locked_by", "=", nodeId)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

/** Gives back a claimed delivery unsent (the node is shutting down), so that it is due again at once. */
export async function releaseWebhookDelivery(db: Kysely<Tables>, id: string, nodeId: string): Promise<void> {
	await db
		.updateTable("webhook_deliveries")
		.set({ locked_until: null, locked_by: null })
		.where("id", "=", id)
		.where("locked_by", "=", nodeId)
		.execute();
}

/**
 * Deletes up to `limit` delivered or failed deliveries created before `before` (the outbox keeps its history for a
 * while, not forever); how many went. Pending ones are never deleted here.
 */
export async function deleteSettledWebhookDeliveries(
	db: Kysely<Tables>,
	before: number,
	limit: number,
): Promise<number> {
	const old = db
		.selectFrom("webhook_deliveries")
		.select("id")
		.where("status", "in", ["delivered", "failed"])
		.where("created_at", "<", before)
		.limit(limit);
	const result = await db.deleteFrom("webhook_deliveries").where("id", "in", old).executeTakeFirst();
	return Number(result.numDeletedRows);
}
