import type { BusEvent, ChangeEvent } from "./change-event.ts";

/** What the domain needs: announce a change after it is committed. */
export interface EventPublisher {
	publish(event: ChangeEvent): Promise<void>;
}

/** Receives every event published on the bus, by any node. Must be idempotent: delivery is at least once. */
export type EventHandler = (event: BusEvent) => void | Promise<void>;

/**
 * Carries change events from the domain (which publishes) to every node's subscribers: the read caches and the
 * realtime hub today, the audit log and webhooks later.
 *
 * Contract for every implementation (the in-process one below, PostgreSQL LISTEN/NOTIFY in postgres-bus.ts):
 * - `publish` resolves once the event reached this node's subscribers and was handed to the transport; a
 *   subscriber's failure never rejects `publish` (the change is already committed). Local subscribers run
 *   before `publish` resolves, so the node that served a revoking call refuses the token on its next request.
 * - every subscriber on every node receives every event at least once, including the publisher's own node;
 * - while `isLive()` is false this node may be missing other nodes' events: caches must not answer from memory.
 *   When the channel is back, subscribers get a `resync` event before `isLive()` turns true again.
 * - `subscribe` returns the function that unsubscribes; `close` releases the transport (connections, timers).
 */
export interface EventBus extends EventPublisher {
	subscribe(handler: EventHandler): () => void;
	isLive(): boolean;
	close(): Promise<void>;
}

export interface LocalEventBus extends EventBus {
	/** Hands an event to this process's subscribers only (what a transport does with what it receives). */
	deliver(event: BusEvent): Promise<void>;
}

export interface LocalEventBusOptions {
	/** Called when a subscriber throws; the default drops the error (the publisher must not fail). */
	onError?(error: unknown, event: BusEvent): void;
}

/** The single-process bus: delivers each event to this process's subscribers, in subscription order. */
export function createLocalEventBus(options: LocalEventBusOptions = {}): LocalEventBus {
	const handlers = new Set<EventHandler>();
	const deliver = async (event: BusEvent): Promise<void> => {
		for (const handler of [...handlers]) {
			try {
				await handler(event);
			} catch (error) {
				options.onError?.(error, event);
			}
		}
	};
	return {
		publish: deliver,
		deliver,
		subscribe(handler: EventHandler): () => void {
			handlers.add(handler);
			return () => {
				handlers.delete(handler);
			};
		},
		isLive: () => true,
		async close(): Promise<void> {
			handlers.clear();
		},
	};
}

/** For tools that run without subscribers (unit tests, a CLI on SQLite whose server learns of writes by itself). */
export const noEvents: EventPublisher = { publish: async () => {} };
