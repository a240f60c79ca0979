import type { LocalEventBus } from "./bus.ts";

export interface ForeignWriteWatcherOptions {
	/**
	 * A number that changes whenever another process committed to the database (SQLite's `PRAGMA data_version`
	 * on the server's own connection: its own commits leave it alone). Null when the store cannot tell.
	 */
	readChangeCounter(): Promise<number | null>;
	bus: LocalEventBus;
	/** How often to look; the CLI's writes reach the server within this (plus one check). */
	intervalMs: number;
	/** Called after a foreign write was announced as a `resync` (the hub re-checks its sockets here). */
	onForeignWrite?(): void | Promise<void>;
	onError?(error: unknown): void;
}

export interface ForeignWriteWatcher {
	/** Looks once; true when another process wrote since the last look. */
	check(): Promise<boolean>;
	stop(): void;
}

/**
 * On SQLite the server is one node, but the CLI may write to the same file while it runs. Those writes publish
 * no events here, so this watcher turns "someone else committed" into a `resync`: caches drop what they hold and
 * the hub re-checks its live sockets. Exact, because every foreign commit changes the counter, and cheap: one
 * pragma per interval.
 */
export function watchForeignWrites(options: ForeignWriteWatcherOptions): ForeignWriteWatcher {
	let last: number | null = null;
	let stopped = false;
	let running: Promise<boolean> | null = null;

	const look = async (): Promise<boolean> => {
		const counter = await options.readChangeCounter();
		if (counter === null || stopped) return false;
		const changed = last !== null && counter !== last;
		last = counter;
		if (!changed) return false;
		await options.bus.deliver({ type: "resync" });
		await options.onForeignWrite?.();
		return true;
	};
	const check = async (): Promise<boolean> => {
		running ??= look().finally(() => {
			running = null;
		});
		return await running;
	};

	const timer = setInterval(() => {
		check().catch((error: unknown) => options.onError?.(error));
	}, options.intervalMs);
	timer.unref();
	// The first look only records where the counter stands.
	check().catch((error: unknown) => options.onError?.(error));
	return {
		check,
		stop(): void {
			stopped = true;
			clearInterval(timer);
		},
	};
}
