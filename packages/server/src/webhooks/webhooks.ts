import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AUDIT_EVENT_TYPES } from "../audit/audit-event.ts";
import { toUnixSeconds } from "../domain/clock.ts";
import type { DomainDeps } from "../domain/deps.ts";
import { LatchkeyError } from "../domain/errors.ts";
import type { TokenCipher } from "../domain/token-cipher.ts";
import { parseInput } from "../domain/validation.ts";
import type { Page, PageRequest } from "../store/store.ts";
import type { WebhookDeliveryRecord, WebhookRecord } from "../store/webhooks.ts";
import { WEBHOOK_SECRET_PREFIX } from "./signature.ts";
import { describeBadWebhookURL, MAX_WEBHOOK_URL_LENGTH } from "./url-guard.ts";

/** How many webhooks an app may have: each is a fan-out of every event, so a handful is plenty. */
export const MAX_WEBHOOKS_PER_APP = 25;
const MAX_DESCRIPTION_LENGTH = 500;
const ID_PREFIX = "wh_";
/** Every event type a webhook may subscribe to, and "*" for all of them (also those added later). */
export const WEBHOOK_EVENT_CHOICES = ["*", ...AUDIT_EVENT_TYPES] as const;

/** The settings the routes take from the server's config. */
export interface WebhookSettings {
	/** LATCHKEY_WEBHOOK_ALLOW_PRIVATE: loopback, link-local and private targets are accepted. Default false. */
	allowPrivate: boolean;
}

const eventsSchema = z.array(z.enum(WEBHOOK_EVENT_CHOICES)).min(1).max(WEBHOOK_EVENT_CHOICES.length);
const descriptionSchema = z.string().trim().max(MAX_DESCRIPTION_LENGTH).nullable();

export const createWebhookSchema = z.object({
	url: z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH),
	events: eventsSchema,
	description: descriptionSchema.optional(),
});

export const updateWebhookSchema = z.object({
	url: z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH).optional(),
	events: eventsSchema.optional(),
	description: descriptionSchema.optional(),
});

/** A webhook as the API shows it; `secret` only in the answer that created it. */
export interface WebhookView {
	id: string;
	url: string;
	events: string[];
	description: string | null;
	secret?: string;
	createdAt: number;
	updatedAt?: number;
}

export interface WebhookDeliveryView {
	id: string;
	eventId: string | null;
	eventType: string;
	status: WebhookDeliveryRecord["status"];
	attempts: number;
	lastResponseCode: number | null;
	lastAttemptAt: number | null;
	nextAttemptAt: number | null;
	createdAt: number;
}

function assertWebhookURL(url: string, settings: WebhookSettings): void {
	const problem = describeBadWebhookURL(url, settings);
	if (problem) {
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			url: [problem],
		});
	}
}

/** "*" alone when it is given; otherwise each type once, in the order given. */
function normalizeEvents(events: readonly string[]): string[] {
	return events.includes("*") ? ["*"] : [...new Set(events)];
}

function webhookNotFound(id: string): LatchkeyError {
	// No webhook code of its own (yet): the one CometChat answers for a resource path that leads nowhere.
	return new LatchkeyError("ERR_API_NOT_FOUND", `The webhook ${id} does not exist.`);
}

/** The additional data a webhook secret is sealed with: a sealed secret moved to another row does not open. */
function secretAAD(webhookId: string): string {
	return `webhook:${webhookId}`;
}

/** The secret as stored: sealed under the server's key when it has one (docs/security.md), else as is. */
function sealSecret(secret: string, webhookId: string, cipher: TokenCipher | undefined): string {
	return cipher ? cipher.encrypt(secret, secretAAD(webhookId)) : secret;
}

/**
 * The signing secret of a stored webhook; null when it is sealed and this server has no key that opens it (the key
 * was removed or changed): such a webhook cannot sign, and its deliveries fail until it is created again.
 */
export function openWebhookSecret(stored: string, webhookId: string, cipher: TokenCipher | undefined): string | null {
	if (stored.startsWith(WEBHOOK_SECRET_PREFIX)) return stored;
	return cipher ? cipher.decrypt(stored, secretAAD(webhookId)) : null;
}

export function presentWebhook(webhook: WebhookRecord, secret?: string): WebhookView {
	return {
		id: webhook.id,
		url: webhook.url,
		events: webhook.events,
		description: webhook.description,
		...(secret !== undefined && { secret }),
		createdAt: toUnixSeconds(webhook.createdAt),
		...(webhook.updatedAt !== null && { updatedAt: toUnixSeconds(webhook.updatedAt) }),
	};
}

function eventIdOf(json: string): string | null {
	try {
		const parsed = JSON.parse(json) as { id?: unknown };
		return typeof parsed.id === "string" ? parsed.id : null;
	} catch {
		return null;
	}
}

export function presentWebhookDelivery(delivery: WebhookDeliveryRecord): WebhookDeliveryView {
	const seconds = (ms: number | null): number | null => (ms === null ? null : toUnixSeconds(ms));
	return {
		id: delivery.id,
		eventId: eventIdOf(delivery.event),
		eventType: delivery.eventType,
		status: delivery.status,
		attempts: delivery.attempts,
		lastResponseCode: delivery.lastResponseCode,
		lastAttemptAt: seconds(delivery.lastAttemptAt),
		nextAttemptAt: seconds(delivery.nextAttemptAt),
		createdAt: toUnixSeconds(delivery.createdAt),
	};
}

/**
 * Creates a webhook with a fresh signing secret; the plaintext secret is returned here and never again.
 * Throws ERR_BAD_REQUEST for a bad URL or event type, ERR_PLAN_QUOTA_RESTRICTION at the per-app cap.
 *
 * @example
 * const { webhook, secret } = await createWebhook(deps, appId, { url, events: ["*"] }, { allowPrivate: false });
 */
export async function createWebhook(
	deps: DomainDeps,
	appId: string,
	input: unknown,
	settings: WebhookSettings,
): Promise<{ webhook: WebhookRecord; secret: string }> {
	const body = parseInput(createWebhookSchema, input);
	assertWebhookURL(body.url, settings);
	const id = ID_PREFIX + randomBytes(10).toString("hex");
	const secret = WEBHOOK_SECRET_PREFIX + randomBytes(32).toString("base64url");
	const webhook: WebhookRecord = {
		id,
		appId,
		url: body.url,
		events: normalizeEvents(body.events),
		description: body.description ?? null,
		secret: sealSecret(secret, id, deps.tokenCipher),
		createdAt: deps.clock.now(),
		updatedAt: null,
	};
	if (!(await deps.store.insertWebhook(webhook, { maxPerApp: MAX_WEBHOOKS_PER_APP }))) {
		throw new LatchkeyError(
			"ERR_PLAN_QUOTA_RESTRICTION",
			`The allowed limit of ${MAX_WEBHOOKS_PER_APP} webhooks for this app has been reached. Delete a webhook before creating another.`,
		);
	}
	await deps.audit?.record({
		type: "webhook.created",
		appId,
		subject: id,
		details: { url: webhook.url, events: webhook.events },
	});
	return { webhook, secret };
}

export async function listWebhooks(deps: DomainDeps, appId: string): Promise<WebhookRecord[]> {
	return await deps.store.listWebhooks(appId);
}

/** The app's webhook; ERR_API_NOT_FOUND when the app has no such one (another app's is no different). */
export async function getWebhook(deps: DomainDeps, appId: string, id: string): Promise<WebhookRecord> {
	const webhook = await deps.store.getWebhook(appId, id);
	if (!webhook) throw webhookNotFound(id);
	return webhook;
}

/** Changes the URL, events or description (the secret stays); deliveries already queued go to the new URL. */
export async function updateWebhook(
	deps: DomainDeps,
	appId: string,
	id: string,
	input: unknown,
	settings: WebhookSettings,
): Promise<WebhookRecord> {
	const body = parseInput(updateWebhookSchema, input);
	if (body.url !== undefined) assertWebhookURL(body.url, settings);
	const updated = await deps.store.updateWebhook(appId, id, {
		...(body.url !== undefined && { url: body.url }),
		...(body.events !== undefined && { events: normalizeEvents(body.events) }),
		...(body.description !== undefined && { description: body.description }),
		updatedAt: deps.clock.now(),
	});
	if (!updated) throw webhookNotFound(id);
	return updated;
}

/** Deletes the webhook and its deliveries, pending ones included. */
export async function deleteWebhook(deps: DomainDeps, appId: string, id: string): Promise<WebhookRecord> {
	const deleted = await deps.store.deleteWebhook(appId, id);
	if (!deleted) throw webhookNotFound(id);
	await deps.audit?.record({ type: "webhook.deleted", appId, subject: id, details: { url: deleted.url } });
	return deleted;
}

export async function listWebhookDeliveries(
	deps: DomainDeps,
	appId: string,
	id: string,
	page: PageRequest,
): Promise<Page<WebhookDeliveryRecord>> {
	await getWebhook(deps, appId, id);
	return await deps.store.listWebhookDeliveries(appId, id, page);
}
