import { randomBytes } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { type Clock, toUnixSeconds } from "../domain/clock.ts";
import type { TokenCipher } from "../domain/token-cipher.ts";
import type { Store } from "../store/store.ts";
import type { ClaimedWebhookDelivery, WebhookAttemptOutcome } from "../store/webhooks.ts";
import { signWebhookPayload } from "./signature.ts";
import {
	BlockedAddressError,
	createGuardedLookup,
	hostAddress,
	isBlockedAddress,
	type ResolveHost,
	resolveWithSystem,
} from "./url-guard.ts";
import { openWebhookSecret } from "./webhooks.ts";

/** The store methods the worker uses. */
export type WebhookWorkerStore = Pick<
	Store,
	"claimWebhookDeliveries" | "settleWebhookDelivery" | "releaseWebhookDelivery" | "deleteSettledWebhookDeliveries"
>;

export interface WebhookWorkerOptions {
	/** This node's id in the claims (`locked_by`); random by default. */
	nodeId?: string;
	/** LATCHKEY_WEBHOOK_ALLOW_PRIVATE: connect to loopback, link-local and private addresses too. Default false. */
	allowPrivate?: boolean;
	/** Opens secrets sealed under LATCHKEY_TOKEN_ENCRYPTION_KEY. */
	cipher?: TokenCipher;
	/** How host names are resolved (the system resolver by default); the answer is checked before connecting. */
	resolveHost?: ResolveHost;
	/** How often the worker looks for due deliveries besides wake(); 0 turns the timer off (tests call runOnce). */
	pollIntervalMs?: number;
	/** How long one POST may take, from connecting to the end of the response. */
	timeoutMs?: number;
	/** Deliveries in flight on this node at once, over all endpoints. */
	maxConcurrency?: number;
	/** Deliveries in flight to one webhook at once: a slow endpoint holds at most this many sockets. */
	maxConcurrencyPerWebhook?: number;
	/** How long a claim keeps other nodes off a delivery; far above what one attempt takes. */
	leaseMs?: number;
	/** After this long since the event, a delivery still failing is marked failed instead of retried. */
	maxRetryAgeMs?: number;
	/** How long delivered and failed deliveries are kept (the deliveries route shows them). */
	historyMs?: number;
	/** How often old deliveries are deleted; 0 turns that timer off (tests call pruneOnce). */
	pruneIntervalMs?: number;
	/** [0, 1): the backoff's jitter; tests pin it. */
	random?: () => number;
	/** A failed store call of the worker (it carries on at the next poll). */
	onError?: (error: unknown) => void;
}

export interface WebhookWorker {
	/**
	 * Claims the deliveries due now (as many as the concurrency limits allow), sends them, and resolves with how many
	 * it attempted once every one of those attempts is recorded.
	 */
	runOnce(): Promise<number>;
	/** Looks for due deliveries soon (new outbox rows were committed). */
	wake(): void;
	/** Deletes delivered and failed deliveries older than the history (in batches); how many went. */
	pruneOnce(): Promise<number>;
	/** Resolves once no attempt is in flight and none is being claimed (what it sent is recorded). */
	drain(): Promise<void>;
	/** Stops polling, cuts the requests in flight and gives their deliveries back unsent, then resolves. */
	close(): Promise<void>;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** The second look after a wake-up, for a commit that had not landed at the first. */
const WAKE_FOLLOW_UP_MS = 20;
const DEFAULT_MAX_CONCURRENCY = 16;
const DEFAULT_MAX_CONCURRENCY_PER_WEBHOOK = 4;
/** A claim covers one attempt (at most the 10 s timeout) and its record; 2 minutes is far beyond that. */
const DEFAULT_LEASE_MS = 120_000;
/** Retries go on for 24 hours after the event. */
export const DEFAULT_MAX_RETRY_AGE_MS = 24 * 60 * 60 * 1000;
/** The first retry waits 5–10 s; each next one twice as long, up to 30–60 min. */
const BASE_BACKOFF_MS = 10_000;
const MAX_BACKOFF_MS = 60 * 60 * 1000;
/** Delivered and failed deliveries are kept 30 days, then deleted (an hourly job, in batches). */
export const DEFAULT_WEBHOOK_HISTORY_MS = 30 * 24 * 60 * 60 * 1000;
const DEFAULT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const PRUNE_BATCH = 1_000;
/** At most this many batches an hour: a backlog is worked off over the following hours, never in one long burst. */
const MAX_PRUNE_BATCHES = 100;
/** The most of a response body that is read (and thrown away) before the socket is closed. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * How long after its `attempts`-th failed attempt a delivery is tried again: exponential, with jitter so that the
 * retries of an endpoint that was down do not all arrive in the same second. `random` in [0, 1).
 */
export function computeRetryDelayMs(attempts: number, random: number): number {
	const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
	return Math.round(ceiling * (0.5 + random / 2));
}

/** A delivery cut short by close(): given back unsent rather than counted as an attempt. */
class WorkerClosedError extends Error {}

/**
 * The delivery worker of one node: claims due rows of the outbox (store/webhooks.ts), POSTs each event, records the
 * outcome. Nothing on a request's path waits for it: a request only inserts outbox rows, in its own transaction,
 * and the worker finds them by wake() or at its next poll.
 *
 * @example
 * const worker = startWebhookWorker(store, systemClock, { cipher });
 * worker.wake();
 * await worker.close();
 */
export function startWebhookWorker(
	store: WebhookWorkerStore,
	clock: Clock,
	options: WebhookWorkerOptions = {},
): WebhookWorker {
	const nodeId = options.nodeId ?? `node_${randomBytes(8).toString("hex")}`;
	const allowPrivate = options.allowPrivate ?? false;
	const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
	const maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
	const perWebhook = options.maxConcurrencyPerWebhook ?? DEFAULT_MAX_CONCURRENCY_PER_WEBHOOK;
	const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
	const maxRetryAgeMs = options.maxRetryAgeMs ?? DEFAULT_MAX_RETRY_AGE_MS;
	const random = options.random ?? Math.random;
	const onError = options.onError ?? (() => {});
	const lookup = createGuardedLookup(options.resolveHost ?? resolveWithSystem, { allowPrivate });

	let closed = false;
	/** Per webhook: deliveries sending now. */
	const sending = new Map<string, number>();
	/** Deliveries this node is sending (claimed and not yet recorded or given back). */
	let held = 0;
	const aborts = new Set<AbortController>();
	/** Attempts in flight and give-backs under way: close() waits for them. */
	const tasks = new Set<Promise<void>>();
	let claiming: Promise<unknown> = Promise.resolve();
	let wakeScheduled = false;

	/** POSTs one delivery; its HTTP status, or a rejection for a refused address, a network error or a timeout. */
	function post(delivery: ClaimedWebhookDelivery, secret: string, signal: AbortSignal): Promise<number> {
		return new Promise<number>((resolve, reject) => {
			const target = new URL(delivery.url);
			// An address written in the URL is never looked up, so the lookup below would not see it: checked here.
			const literal = hostAddress(target.hostname);
			if (literal !== null && !allowPrivate && isBlockedAddress(literal)) {
				reject(new BlockedAddressError(target.hostname));
				return;
			}
			const body = delivery.event;
			const send = target.protocol === "https:" ? httpsRequest : httpRequest;
			const req = send(target, {
				method: "POST",
				// No pooled sockets: each attempt connects (through the guarded lookup) and closes.
				agent: false,
				lookup,
				signal,
				headers: {
					"content-type": "application/json",
					"content-length": Buffer.byteLength(body),
					"user-agent": "Latchkey-Webhooks/1",
					"latchkey-webhook-id": delivery.id,
					"latchkey-signature": signWebhookPayload(secret, toUnixSeconds(clock.now()), body),
				},
			});
			// The whole exchange, the response body included, is bounded: an endpoint that trickles its answer forever
			// loses the socket at the deadline like one that never answers.
			const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
			req.once("response", (res: IncomingMessage) => {
				resolve(res.statusCode ?? 0);
				// The answer is its status; the body is read and dropped, up to a bound, so the socket closes cleanly.
				let read = 0;
				res.on("data", (chunk: Buffer) => {
					read += chunk.length;
					if (read > MAX_RESPONSE_BYTES) res.destroy();
				});
				res.on("error", () => {});
				res.once("close", () => clearTimeout(timer));
			});
			req.once("error", (error) => {
				clearTimeout(timer);
				reject(error);
			});
			req.end(body);
		});
	}

	async function attempt(delivery: ClaimedWebhookDelivery): Promise<void> {
		const abort = new AbortController();
		aborts.add(abort);
		let code: number | null = null;
		let ok = false;
		try {
			const secret = openWebhookSecret(delivery.secret, delivery.webhookId, options.cipher);
			if (secret !== null) {
				code = await post(delivery, secret, abort.signal);
				ok = code >= 200 && code < 300;
			}
		} catch {
			// A refused address, a network error or a timeout: a failed attempt without a status, retried.
			if (closed) throw new WorkerClosedError();
		} finally {
			aborts.delete(abort);
		}
		const at = clock.now();
		let outcome: WebhookAttemptOutcome;
		if (ok) {
			outcome = { status: "delivered", lastResponseCode: code, lastAttemptAt: at, nextAttemptAt: null };
		} else {
			const next = at + computeRetryDelayMs(delivery.attempts + 1, random());
			outcome =
				next > delivery.createdAt + maxRetryAgeMs
					? { status: "failed", lastResponseCode: code, lastAttemptAt: at, nextAttemptAt: null }
					: { status: "pending", lastResponseCode: code, lastAttemptAt: at, nextAttemptAt: next };
		}
		await store.settleWebhookDelivery(delivery.id, nodeId, outcome);
	}

	/** Sends a claimed delivery (its webhook has a free slot: claimOnce checked) and records the outcome. */
	function dispatch(delivery: ClaimedWebhookDelivery): Promise<void> {
		sending.set(delivery.webhookId, (sending.get(delivery.webhookId) ?? 0) + 1);
		const run = attempt(delivery)
			.catch(async (error: unknown) => {
				// Cut by close(): given back unsent, so another node (or this one after a restart) sends it.
				if (error instanceof WorkerClosedError) await store.releaseWebhookDelivery(delivery.id, nodeId);
				else throw error;
			})
			.catch(onError)
			.finally(() => {
				held--;
				tasks.delete(run);
				const left = (sending.get(delivery.webhookId) ?? 1) - 1;
				if (left === 0) sending.delete(delivery.webhookId);
				else sending.set(delivery.webhookId, left);
				// A slot is free: look for more at once rather than at the next poll.
				if (!closed) scheduleWake();
			});
		tasks.add(run);
		return run;
	}

	/**
	 * One claim of due rows for the free slots, at most one webhook's worth, and starts sending them; the promises of
	 * their attempts. Rows beyond a webhook's free slots are given back at once rather than queued here: queued, they
	 * would hold this node's slots from every other webhook while a slow endpoint works through them.
	 */
	async function claimOnce(): Promise<Array<Promise<void>>> {
		const previous = claiming;
		let release: () => void = () => {};
		claiming = new Promise<void>((resolve) => {
			release = resolve;
		});
		await previous;
		const accepted: ClaimedWebhookDelivery[] = [];
		try {
			const free = maxConcurrency - held;
			if (closed || free <= 0) return [];
			const saturated = [...sending.entries()].filter(([, count]) => count >= perWebhook).map(([id]) => id);
			const claimed = await store.claimWebhookDeliveries({
				nodeId,
				now: clock.now(),
				leaseMs,
				limit: Math.min(free, perWebhook),
				excludeWebhookIds: saturated,
			});
			const excess: ClaimedWebhookDelivery[] = [];
			for (const delivery of claimed) {
				const busy =
					(sending.get(delivery.webhookId) ?? 0) + accepted.filter((d) => d.webhookId === delivery.webhookId).length;
				if (busy < perWebhook && !closed) accepted.push(delivery);
				else excess.push(delivery);
			}
			held += accepted.length;
			// A give-back that fails only delays those rows until their lease ends.
			await Promise.all(excess.map((delivery) => store.releaseWebhookDelivery(delivery.id, nodeId).catch(onError)));
		} finally {
			release();
		}
		return accepted.map((delivery) => dispatch(delivery));
	}

	/** Claims until the slots are full or nothing more is due now; the promises of every attempt started. */
	async function fillSlots(): Promise<Array<Promise<void>>> {
		const started: Array<Promise<void>> = [];
		for (;;) {
			const runs = await claimOnce();
			started.push(...runs);
			if (runs.length === 0 || held >= maxConcurrency) return started;
		}
	}

	async function claimAndSend(): Promise<number> {
		const started = await fillSlots();
		await Promise.all(started);
		return started.length;
	}

	function scheduleWake(): void {
		if (wakeScheduled || closed) return;
		wakeScheduled = true;
		setImmediate(() => {
			wakeScheduled = false;
			if (closed) return;
			fillSlots().catch(onError);
		});
	}

	/**
	 * wake() comes from inside the transaction that writes the rows: a look at once may run before its COMMIT (on
	 * PostgreSQL the claim takes another connection), so a second look follows shortly; the poll is the last resort.
	 */
	let followUp: NodeJS.Timeout | null = null;
	function wake(): void {
		scheduleWake();
		if (followUp || closed) return;
		followUp = setTimeout(() => {
			followUp = null;
			scheduleWake();
		}, WAKE_FOLLOW_UP_MS);
		followUp.unref();
	}

	const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
	const timer = pollIntervalMs > 0 ? setInterval(scheduleWake, pollIntervalMs) : null;
	timer?.unref();

	const historyMs = options.historyMs ?? DEFAULT_WEBHOOK_HISTORY_MS;
	async function pruneOnce(): Promise<number> {
		const before = clock.now() - historyMs;
		let deleted = 0;
		for (let batch = 0; batch < MAX_PRUNE_BATCHES && !closed; batch++) {
			const count = await store.deleteSettledWebhookDeliveries(before, PRUNE_BATCH);
			deleted += count;
			if (count < PRUNE_BATCH) break;
		}
		return deleted;
	}
	const pruneIntervalMs = options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
	const pruneTimer = pruneIntervalMs > 0 ? setInterval(() => void pruneOnce().catch(onError), pruneIntervalMs) : null;
	pruneTimer?.unref();

	return {
		runOnce: claimAndSend,
		wake,
		pruneOnce,
		async drain(): Promise<void> {
			for (;;) {
				await claiming;
				if (tasks.size === 0) return;
				await Promise.allSettled([...tasks]);
			}
		},
		async close(): Promise<void> {
			closed = true;
			if (timer) clearInterval(timer);
			if (pruneTimer) clearInterval(pruneTimer);
			if (followUp) clearTimeout(followUp);
			for (const abort of aborts) abort.abort();
			await claiming;
			while (tasks.size > 0) await Promise.allSettled([...tasks]);
		},
	};
}
