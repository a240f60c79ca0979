/** Reconnect delays: capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export interface BackoffOptions {
	baseMs: number;
	capMs: number;
	/** Returns a number in [0, 1); `Math.random` unless injected. */
	random: () => number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry): uniform in [0, min(cap, base · 2^attempt)).
 * Full jitter spreads a crowd of clients that lost the same server, so they do not reconnect in lockstep.
 *
 * @example
 * const ms = getBackoffDelayMs(3, { baseMs: 500, capMs: 30_000, random: Math.random }); // < 4000
 */
export function getBackoffDelayMs(attempt: number, options: BackoffOptions): number {
	const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
	return Math.floor(options.random() * ceiling);
}
