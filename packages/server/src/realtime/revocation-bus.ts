import type { Revocation, RevocationPublisher } from "../domain/revocations.ts";

/** Receives every revocation published on the bus, by any node. Must be idempotent: delivery is at least once. */
export type RevocationHandler = (revocation: Revocation) => void | Promise<void>;

/**
 * Carries revocations from the domain (which publishes) to every node's realtime hub (which subscribes).
 * The domain's `revocations` dependency is the bus itself.
 *
 * Contract for every implementation (the in-process one below, a PostgreSQL LISTEN/NOTIFY one later):
 * - `publish` resolves once the revocation reached this node's subscribers and was handed to the transport;
 *   a subscriber's failure never rejects `publish` (the credential is already gone from the store).
 * - every subscriber on every node receives every revocation at least once, including the publisher's own node;
 *   a node that may have missed some re-checks its live sockets (`hub.liveTokenIds()` and
 *   `store.findExistingAuthTokenIds`, then `hub.closeTokens`).
 * - `subscribe` returns the function that unsubscribes; `close` releases the transport (connections, timers).
 */
export interface RevocationBus extends RevocationPublisher {
	publish(revocation: Revocation): Promise<void>;
	subscribe(handler: RevocationHandler): () => void;
	close(): Promise<void>;
}

export interface LocalRevocationBusOptions {
	/** Called when a subscriber throws; the default drops the error (the publisher must not fail). */
	onError?(error: unknown, revocation: Revocation): void;
}

/** The single-node bus: delivers each revocation to this process's subscribers, in subscription order. */
export function createLocalRevocationBus(options: LocalRevocationBusOptions = {}): RevocationBus {
	const handlers = new Set<RevocationHandler>();
	return {
		async publish(revocation: Revocation): Promise<void> {
			for (const handler of [...handlers]) {
				try {
					await handler(revocation);
				} catch (error) {
					options.onError?.(error, revocation);
				}
			}
		},
		subscribe(handler: RevocationHandler): () => void {
			handlers.add(handler);
			return () => {
				handlers.delete(handler);
			};
		},
		async close(): Promise<void> {
			handlers.clear();
		},
	};
}
