/** The source of time for every rule; tests inject a fixed or stepping clock instead of sleeping. */
export interface Clock {
	/** Milliseconds since the Unix epoch. */
	now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** CometChat timestamps on the wire are whole Unix seconds. */
export function toUnixSeconds(ms: number): number {
	return Math.floor(ms / 1000);
}
