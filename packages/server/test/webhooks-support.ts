import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import type { AuditRecorder } from "../src/audit/audit-event.ts";
import { createAuditRecorder, SYSTEM_CONTEXT } from "../src/audit/recorder.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import type { DomainDeps } from "../src/domain/deps.ts";
import { noEvents } from "../src/events/bus.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import type { WebhookDeliveryRecord } from "../src/store/webhooks.ts";
import { createWebhookOutboxHook } from "../src/webhooks/outbox.ts";
import { createWebhook } from "../src/webhooks/webhooks.ts";
import { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from "../src/webhooks/worker.ts";
import { ManualClock } from "./harness.ts";
import { openTestStore } from "./stores.ts";
import { within } from "./wait.ts";

// Shared by the webhook delivery tests: a local receiver, and a store with the audit recorder, the outbox hook and a
// worker whose poll is off (tests call runOnce) and whose jitter is pinned.

export interface ReceivedRequest {
	method: string;
	headers: IncomingMessage["headers"];
	body: string;
	/** Answers this request (the receiver's handler decides when). */
	respond(status: number): void;
	answered: boolean;
	/** Resolves when the connection of this request closes (either side). */
	closed: Promise<void>;
}

export interface Receiver {
	url: string;
	requests: ReceivedRequest[];
	/** The most requests that were open (arrived, not answered) at once. */
	maxOpen(): number;
	/** Resolves once `count` requests have arrived in all (rejects after `ms`, WAIT_MS by default). */
	waitForRequests(count: number, ms?: number): Promise<void>;
	close(): Promise<void>;
}

/**
 * A webhook endpoint on 127.0.0.1. `answer` gives each request's status (by arrival index), "hold" to leave it
 * open until the test calls `respond`, or "trickle" to send a 200 and a first byte of the body and never finish.
 */
export async function startReceiver(
	answer: (index: number) => number | "hold" | "trickle",
	options: { port?: number } = {},
): Promise<Receiver> {
	const requests: ReceivedRequest[] = [];
	const waiters: Array<{ count: number; resolve: () => void }> = [];
	let maxOpen = 0;
	const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => {
			const index = requests.length;
			const received: ReceivedRequest = {
				method: req.method ?? "",
				headers: req.headers,
				body: Buffer.concat(chunks).toString("utf8"),
				answered: false,
				closed: new Promise<void>((resolve) => res.once("close", () => resolve())),
				respond(status) {
					received.answered = true;
					if (!res.headersSent) res.writeHead(status, { "content-type": "text/plain" }).end("ok");
				},
			};
			requests.push(received);
			maxOpen = Math.max(maxOpen, requests.filter((r) => !r.answered).length);
			const status = answer(index);
			if (status === "trickle") {
				received.answered = true;
				res.writeHead(200, { "content-type": "text/plain" }).write("o");
			} else if (status !== "hold") received.respond(status);
			for (const waiter of [...waiters]) {
				if (requests.length >= waiter.count) {
					waiters.splice(waiters.indexOf(waiter), 1);
					waiter.resolve();
				}
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/hook`,
		requests,
		maxOpen: () => maxOpen,
		waitForRequests(count, ms) {
			if (requests.length >= count) return Promise.resolve();
			return within(
				new Promise<void>((resolve) => waiters.push({ count, resolve })),
				`${count} webhook requests (got ${requests.length})`,
				ms,
			);
		},
		async close() {
			for (const request of requests) request.respond(503);
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

export interface DeliveryFixture {
	store: KyselyStore;
	clock: ManualClock;
	seed: CreatedApp;
	deps: DomainDeps & { audit: AuditRecorder };
	/** Creates a webhook of the seeded app (private targets allowed; by default for user.created and user.deleted). */
	createWebhook(url: string, events?: string[]): Promise<{ id: string; secret: string }>;
	/** Records an audit event of the seeded app (the outbox is filled in its transaction). */
	recordEvent(type?: "user.created" | "user.deleted", uid?: string): Promise<void>;
	/** A worker over this store: poll off, jitter pinned to the longest delay, private targets allowed. */
	startWorker(options?: WebhookWorkerOptions): WebhookWorker;
	/** Every delivery row of a webhook, newest first. */
	deliveries(webhookId: string): Promise<WebhookDeliveryRecord[]>;
	close(): Promise<void>;
}

export async function createDeliveryFixture(
	options: { dialect?: "sqlite" | "postgres"; store?: KyselyStore } = {},
): Promise<DeliveryFixture> {
	const store = options.store ?? (await openTestStore(options.dialect ?? "sqlite"));
	const clock = new ManualClock();
	const logger = pino({ level: "silent" });
	const audit = createAuditRecorder(store, SYSTEM_CONTEXT, {
		clock,
		onError: (error) => logger.error({ err: error }, "audit insert failed"),
	});
	const deps = { store, clock, events: noEvents, audit };
	const seed = await createLatchkeyApp(deps, { name: "Webhooks" });
	const workers: WebhookWorker[] = [];
	store.setOnAuditRows(createWebhookOutboxHook({ wake: () => workers.at(-1)?.wake() }));
	return {
		store,
		clock,
		seed,
		deps,
		async createWebhook(url, events = ["user.created", "user.deleted"]) {
			const { webhook, secret } = await createWebhook(deps, seed.app.id, { url, events }, { allowPrivate: true });
			return { id: webhook.id, secret };
		},
		async recordEvent(type = "user.created", uid = "alice") {
			await audit.record({ type, appId: seed.app.id, subject: uid, details: { uid } });
		},
		startWorker(workerOptions = {}) {
			const worker = startWebhookWorker(store, clock, {
				pollIntervalMs: 0,
				pruneIntervalMs: 0,
				allowPrivate: true,
				random: () => 0.999_999,
				...workerOptions,
			});
			workers.push(worker);
			return worker;
		},
		async deliveries(webhookId) {
			return (await store.listWebhookDeliveries(seed.app.id, webhookId, { limit: 1000, offset: 0 })).items;
		},
		async close() {
			for (const worker of workers) await worker.close();
			await store.close();
		},
	};
}
