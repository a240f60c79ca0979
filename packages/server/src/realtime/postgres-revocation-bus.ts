import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Revocation } from "../domain/revocations.ts";
import { createLocalRevocationBus, type RevocationBus, type RevocationHandler } from "./revocation-bus.ts";

const CHANNEL = "latchkey_revocations";
// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; big revocations are sent in slices.
const MAX_PAYLOAD_BYTES = 7000;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

export interface PostgresRevocationBusOptions {
	url: string;
	/** Called after the listening connection came back: the node may have missed revocations meanwhile. */
	onReconnect?(): void | Promise<void>;
	onError?(error: unknown): void;
	/** Replaceable for tests. */
	setTimer?(callback: () => void, ms: number): ReturnType<typeof setTimeout>;
}

interface Envelope {
	node: string;
	revocation: Revocation;
}

/** Splits a revocation whose token list would not fit in one NOTIFY payload. */
export function sliceRevocation(revocation: Revocation, maxBytes = MAX_PAYLOAD_BYTES): Revocation[] {
	if (Buffer.byteLength(JSON.stringify(revocation)) <= maxBytes || revocation.tokenIds.length <= 1) return [revocation];
	const half = Math.ceil(revocation.tokenIds.length / 2);
	return [
		...sliceRevocation({ ...revocation, tokenIds: revocation.tokenIds.slice(0, half) }, maxBytes),
		...sliceRevocation({ ...revocation, tokenIds: revocation.tokenIds.slice(half) }, maxBytes),
	];
}

function parseEnvelope(payload: string | undefined): Envelope | null {
	if (!payload) return null;
	try {
		const value = JSON.parse(payload) as Partial<Envelope>;
		const revocation = value.revocation;
		if (typeof value.node !== "string" || !revocation || typeof revocation.appId !== "string") return null;
		if (!Array.isArray(revocation.tokenIds)) return null;
		return value as Envelope;
	} catch {
		return null;
	}
}

/**
 * The cross-node bus over PostgreSQL LISTEN/NOTIFY: no infrastructure beyond the database the nodes share.
 * Local subscribers get a revocation at once; other nodes get it through NOTIFY. When the listening
 * connection drops, it reconnects with capped backoff and calls `onReconnect` so the node re-checks its
 * live sockets against the store: a missed notification never leaves a revoked socket open.
 */
export async function createPostgresRevocationBus(options: PostgresRevocationBusOptions): Promise<RevocationBus> {
	const node = randomBytes(8).toString("hex");
	const local = createLocalRevocationBus({ onError: (error) => options.onError?.(error) });
	const publisher = new pg.Pool({ connectionString: options.url, max: 2 });
	publisher.on("error", (error) => options.onError?.(error));
	const setTimer = options.setTimer ?? setTimeout;
	let listener: pg.Client | null = null;
	let closed = false;
	let attempt = 0;
	let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

	const connect = async (): Promise<void> => {
		const client = new pg.Client({ connectionString: options.url });
		client.on("notification", (message) => {
			const envelope = parseEnvelope(message.payload);
			// Our own revocations were delivered locally when published.
			if (envelope && envelope.node !== node) void local.publish(envelope.revocation);
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
	};

	const scheduleReconnect = (client: pg.Client): void => {
		if (closed || listener !== client) return;
		listener = null;
		void client.end().catch(() => {});
		const retry = (): void => {
			reconnectTimer = null;
			if (closed) return;
			connect().then(
				() => options.onReconnect?.(),
				(error: unknown) => {
					options.onError?.(error);
					attempt += 1;
					reconnectTimer = setTimer(retry, Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** attempt));
				},
			);
		};
		reconnectTimer = setTimer(retry, RECONNECT_MIN_MS);
	};

	await connect();

	return {
		async publish(revocation: Revocation): Promise<void> {
			await local.publish(revocation);
			// The credential is already gone from the store, so a failed NOTIFY must not fail the request;
			// other nodes catch up when they re-check their live sockets.
			for (const slice of sliceRevocation(revocation)) {
				const payload = JSON.stringify({ node, revocation: slice } satisfies Envelope);
				await publisher.query("select pg_notify($1, $2)", [CHANNEL, payload]).catch((error: unknown) => {
					options.onError?.(error);
				});
			}
		},
		subscribe(handler: RevocationHandler): () => void {
			return local.subscribe(handler);
		},
		async close(): Promise<void> {
			closed = true;
			if (reconnectTimer) clearTimeout(reconnectTimer);
			const client = listener;
			listener = null;
			await Promise.allSettled([client?.end(), publisher.end(), local.close()]);
		},
	};
}
