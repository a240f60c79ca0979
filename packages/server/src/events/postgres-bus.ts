import { randomBytes } from "node:crypto";
import pg from "pg";
import { createLocalEventBus, type EventBus, type EventHandler } from "./bus.ts";
import { type ChangeEvent, parseChangeEvent } from "./change-event.ts";

const CHANNEL = "latchkey_events";
// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; events are packed into payloads below this.
const MAX_PAYLOAD_BYTES = 7000;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;
const HEARTBEAT_INTERVAL_MS = 2_000;

export interface PostgresEventBusOptions {
	url: string;
	/** Called after the listening connection came back (subscribers got a `resync` first). */
	onReconnect?(): void | Promise<void>;
	onError?(error: unknown): void;
	/**
	 * How often the bus sends itself an empty NOTIFY through the database. A listener that has not heard its own
	 * heartbeat for two intervals is treated as lost (not live, reconnect), so a connection that died without a
	 * word (a half-open TCP connection, a stalled proxy) cannot keep a node answering from a stale cache for long.
	 */
	heartbeatIntervalMs?: number;
	/** Replaceable for tests. */
	setTimer?(callback: () => void, ms: number): ReturnType<typeof setTimeout>;
	/** For tests: each listening connection once it listens. */
	onListening?(client: pg.Client): void;
}

interface Envelope {
	node: string;
	events: unknown[];
}

/** Splits an event too big for one NOTIFY payload: only a revocation of many tokens can be. */
export function sliceEvent(event: ChangeEvent, maxBytes = MAX_PAYLOAD_BYTES): ChangeEvent[] {
	if (event.type !== "token.revoked" || event.tokenIds.length <= 1) return [event];
	if (Buffer.byteLength(JSON.stringify(event)) <= maxBytes) return [event];
	const half = Math.ceil(event.tokenIds.length / 2);
	return [
		...sliceEvent({ ...event, tokenIds: event.tokenIds.slice(0, half) }, maxBytes),
		...sliceEvent({ ...event, tokenIds: event.tokenIds.slice(half) }, maxBytes),
	];
}

/** Packs events into as few NOTIFY payloads as fit, in order. */
export function packEvents(node: string, events: ChangeEvent[], maxBytes = MAX_PAYLOAD_BYTES): string[] {
	const payloads: string[] = [];
	// The envelope around the events: {"node":"…","events":[…]}.
	const overhead = Buffer.byteLength(JSON.stringify({ node, events: [] }));
	let batch: string[] = [];
	let size = overhead;
	const flush = (): void => {
		if (batch.length > 0) payloads.push(`{"node":${JSON.stringify(node)},"events":[${batch.join(",")}]}`);
		batch = [];
		size = overhead;
	};
	for (const event of events) {
		for (const slice of sliceEvent(event, maxBytes - overhead)) {
			const json = JSON.stringify(slice);
			const bytes = Buffer.byteLength(json) + 1;
			if (size + bytes > maxBytes) flush();
			batch.push(json);
			size += bytes;
		}
	}
	flush();
	return payloads;
}

function parseEnvelope(payload: string | undefined): Envelope | null {
	if (!payload) return null;
	try {
		const value = JSON.parse(payload) as Partial<Envelope>;
		if (typeof value.node !== "string" || !Array.isArray(value.events)) return null;
		return value as Envelope;
	} catch {
		return null;
	}
}

/**
 * The cross-node bus over PostgreSQL LISTEN/NOTIFY: no infrastructure beyond the database the nodes share.
 * Local subscribers get an event at once; other nodes get it through NOTIFY. Events published in the same tick
 * travel together in one NOTIFY. When the listening connection drops, the bus is not live (caches stop
 * answering) until it has reconnected with capped backoff and delivered a `resync`; then it calls `onReconnect`
 * so the node re-checks its live sockets against the store: a missed notification never leaves a revoked
 * socket open or a revoked session cached.
 */
export async function createPostgresEventBus(options: PostgresEventBusOptions): Promise<EventBus> {
	const node = randomBytes(8).toString("hex");
	const local = createLocalEventBus({ onError: (error) => options.onError?.(error) });
	const publisher = new pg.Pool({ connectionString: options.url, max: 2 });
	publisher.on("error", (error) => options.onError?.(error));
	// The pool's listener covers idle clients only; a connection ended while a NOTIFY holds it would otherwise emit
	// an `error` with no listener and end the process. The NOTIFY itself fails and is reported by its caller.
	publisher.on("connect", (client) => {
		client.on("error", () => {});
	});
	const setTimer = options.setTimer ?? setTimeout;
	let listener: pg.Client | null = null;
	let live = false;
	let closed = false;
	let attempt = 0;
	let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
	let pending: ChangeEvent[] = [];
	let pendingSent: Promise<void> | null = null;
	const heartbeatIntervalMs = options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
	let heardAt = Date.now();
	let heartbeatTimer: ReturnType<typeof setInterval> | null = null;

	const connect = async (): Promise<pg.Client> => {
		const client = new pg.Client({ connectionString: options.url, keepAlive: true });
		client.on("notification", (message) => {
			const envelope = parseEnvelope(message.payload);
			if (!envelope) return;
			// Our own events were delivered locally when published; hearing them proves the channel works.
			if (envelope.node === node) {
				heardAt = Date.now();
				return;
			}
			for (const value of envelope.events) {
				const event = parseChangeEvent(value);
				if (event) void local.deliver(event);
			}
		});
		client.on("error", (error) => {
			options.onError?.(error);
			scheduleReconnect(client);
		});
		client.on("end", () => scheduleReconnect(client));
		await client.connect();
		await client.query(`LISTEN ${CHANNEL}`);
		listener = client;
		attempt = 0;
		heardAt = Date.now();
		options.onListening?.(client);
		return client;
	};

	const scheduleReconnect = (client: pg.Client): void => {
		if (closed || listener !== client) return;
		listener = null;
		// From here until the resync below, events of other nodes may be lost: no answers from caches.
		live = false;
		void client.end().catch(() => {});
		const retry = (): void => {
			reconnectTimer = null;
			if (closed) return;
			connect().then(
				async () => {
					await local.deliver({ type: "resync" });
					live = true;
					await options.onReconnect?.();
				},
				(error: unknown) => {
					options.onError?.(error);
					attempt += 1;
					reconnectTimer = setTimer(retry, Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** attempt));
				},
			);
		};
		reconnectTimer = setTimer(retry, RECONNECT_MIN_MS);
	};

	// Sends what was published in this tick; a failed NOTIFY must not fail the request (the change is committed),
	// and other nodes catch up when they re-check their live sockets.
	const sendPending = async (): Promise<void> => {
		await new Promise<void>((resolve) => setImmediate(resolve));
		const events = pending;
		pending = [];
		pendingSent = null;
		for (const payload of packEvents(node, events)) {
			await publisher.query("select pg_notify($1, $2)", [CHANNEL, payload]).catch((error: unknown) => {
				options.onError?.(error);
			});
		}
	};

	await connect();
	live = true;
	const heartbeat = `{"node":${JSON.stringify(node)},"events":[]}`;
	heartbeatTimer = setInterval(() => {
		const client = listener;
		if (!client) return;
		if (Date.now() - heardAt > 2 * heartbeatIntervalMs) {
			options.onError?.(new Error("event bus: the listening connection stopped hearing its own heartbeat"));
			scheduleReconnect(client);
			return;
		}
		publisher.query("select pg_notify($1, $2)", [CHANNEL, heartbeat]).catch((error: unknown) => {
			options.onError?.(error);
		});
	}, heartbeatIntervalMs);
	heartbeatTimer.unref();

	return {
		async publish(event: ChangeEvent): Promise<void> {
			await local.publish(event);
			if (closed) return;
			pending.push(event);
			pendingSent ??= sendPending();
			await pendingSent;
		},
		subscribe(handler: EventHandler): () => void {
			return local.subscribe(handler);
		},
		isLive: () => live && !closed,
		async close(): Promise<void> {
			await pendingSent;
			closed = true;
			live = false;
			if (reconnectTimer) clearTimeout(reconnectTimer);
			if (heartbeatTimer) clearInterval(heartbeatTimer);
			const client = listener;
			listener = null;
			await Promise.allSettled([client?.end(), publisher.end(), local.close()]);
		},
	};
}
