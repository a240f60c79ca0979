import { randomUUID } from "node:crypto";
import type { Clock } from "../domain/clock.ts";
import { PRESENCE_HEARTBEAT_INTERVAL_MS, PRESENCE_STALE_AFTER_MS } from "../domain/presence.ts";
import type { Store } from "../store/store.ts";
import type { SetTimer } from "./hub.ts";

/** What the hub tells presence: a user's authenticated socket opened or went on this node. */
export interface PresenceSink {
	/** Counts a socket; resolves once the user reads online (at once when another socket already counted). */
	connected(appId: string, uid: string): Promise<void>;
	/** Uncounts a socket; the node's last one of the user turns them offline and sets `lastActiveAt`. */
	disconnected(appId: string, uid: string): void;
}

/** This node's part of presence: its sockets per user in memory, a row per present user in the store. */
export interface PresenceTracker extends PresenceSink {
	readonly nodeId: string;
	/** Writes the heartbeat now, puts the rows back if another node pruned this one, and prunes crashed nodes. */
	beat(): Promise<void>;
	/** Resolves when every presence write queued so far has finished (tests, shutdown). */
	idle(): Promise<void>;
	/** Stops the heartbeat, finishes queued writes, then removes this node and its rows (users go offline). */
	close(): Promise<void>;
}

export interface PresenceTrackerOptions {
	/** A name unique to this process; random by default. */
	nodeId?: string;
	/** How often the heartbeat is written; 0 turns the timer off (tests call `beat()`). */
	heartbeatIntervalMs?: number;
	setTimer?: SetTimer;
	onError?(error: unknown): void;
}

/** Rows left by a node that never wrote a heartbeat are swept once a minute at the default 5 s beat. */
const ORPHAN_SWEEP_EVERY_BEATS = 12;

const realSetTimer: SetTimer = (callback, ms) => {
	const timer = setTimeout(callback, ms);
	timer.unref();
	return () => clearTimeout(timer);
};

function userKey(appId: string, uid: string): string {
	return `${appId}\u0000${uid}`;
}

/**
 * Creates the node's presence tracker and writes its first heartbeat. Writes for one user run in order (a connect
 * then a quick disconnect never leaves a row behind); writes for different users overlap.
 *
 * @example
 * const presence = createPresenceTracker(store, clock);
 * const hub = createRealtimeHub({ domain, logger, bus, presence });
 */
export function createPresenceTracker(
	store: Store,
	clock: Clock,
	options: PresenceTrackerOptions = {},
): PresenceTracker {
	const nodeId = options.nodeId ?? randomUUID();
	const heartbeatIntervalMs = options.heartbeatIntervalMs ?? PRESENCE_HEARTBEAT_INTERVAL_MS;
	const setTimer = options.setTimer ?? realSetTimer;
	const onError = options.onError ?? (() => {});
	const present = new Map<string, { appId: string; uid: string; sockets: number }>();
	const queues = new Map<string, Promise<void>>();
	let closed = false;

	/** Runs `write` after the user's earlier writes; a failure is reported, never thrown at the hub. */
	function enqueue(key: string, write: () => Promise<void>): Promise<void> {
		const tail = (queues.get(key) ?? ready).then(write).catch(onError);
		queues.set(key, tail);
		void tail.then(() => {
			if (queues.get(key) === tail) queues.delete(key);
		});
		return tail;
	}

	let beats = 0;
	async function beat(): Promise<void> {
		const now = clock.now();
		const known = await store.beatPresenceNode(nodeId, now);
		if (!known) {
			// Another node took this one for crashed and deleted its rows: the users here are still connected.
			for (const [key, user] of present) {
				void enqueue(key, async () => {
					if (present.has(key)) await store.insertPresence(user.appId, user.uid, nodeId, clock.now());
				});
			}
		}
		beats += 1;
		const sweepOrphans = beats % ORPHAN_SWEEP_EVERY_BEATS === 0;
		await store.prunePresenceNodes(now - PRESENCE_STALE_AFTER_MS, now, { sweepOrphans });
	}

	// Rows are only written once the node exists, so they count from the first one.
	const ready = beat().catch(onError);

	let cancelHeartbeat = (): void => {};
	function scheduleHeartbeat(): void {
		if (heartbeatIntervalMs <= 0 || closed) return;
		cancelHeartbeat = setTimer(() => {
			beat().catch(onError).finally(scheduleHeartbeat);
		}, heartbeatIntervalMs);
	}
	scheduleHeartbeat();

	const tracker: PresenceTracker = {
		nodeId,
		connected(appId, uid) {
			const key = userKey(appId, uid);
			const user = present.get(key);
			if (user) {
				user.sockets += 1;
				return queues.get(key) ?? Promise.resolve();
			}
			present.set(key, { appId, uid, sockets: 1 });
			return enqueue(key, () => store.insertPresence(appId, uid, nodeId, clock.now()));
		},
		disconnected(appId, uid) {
			const key = userKey(appId, uid);
			const user = present.get(key);
			if (!user) return;
			user.sockets -= 1;
			if (user.sockets > 0) return;
			present.delete(key);
			void enqueue(key, () => store.deletePresence(appId, uid, nodeId, clock.now()));
		},
		beat,
		async idle() {
			await ready;
			while (queues.size > 0) await Promise.all([...queues.values()]);
		},
		async close() {
			closed = true;
			cancelHeartbeat();
			await tracker.idle();
			const now = clock.now();
			await store.prunePresenceNodes(now - PRESENCE_STALE_AFTER_MS, now, { nodeId }).catch(onError);
		},
	};
	return tracker;
}
