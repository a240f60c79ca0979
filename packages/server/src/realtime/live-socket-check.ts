import type { Store } from "../store/store.ts";
import type { RealtimeHub } from "./hub.ts";

// Keeps each `IN (…)` list well under every driver's parameter limit.
const CHUNK = 500;

/**
 * Closes every live socket whose token no longer works (deleted, or its user deactivated). Revocations
 * normally arrive on the bus at once; this catches those a node missed (listener outage) and those made by
 * another process on a single-node SQLite deployment (the CLI). Returns how many sockets it closed.
 */
export async function recheckLiveSockets(
	hub: Pick<RealtimeHub, "liveTokenIds" | "closeTokens">,
	store: Pick<Store, "findExistingAuthTokenIds">,
): Promise<number> {
	const live = hub.liveTokenIds();
	const stillValid = new Set<string>();
	for (let i = 0; i < live.length; i += CHUNK) {
		for (const id of await store.findExistingAuthTokenIds(live.slice(i, i + CHUNK))) stillValid.add(id);
	}
	const dead = live.filter((id) => !stillValid.has(id));
	return dead.length > 0 ? hub.closeTokens(dead, "revoked") : 0;
}

export interface LiveSocketSweep {
	stop(): void;
}

/** Runs `recheck` every `intervalMs` until stopped; one run at a time, failures reported and survived. */
export function startLiveSocketSweep(
	recheck: () => Promise<unknown>,
	intervalMs: number,
	onError: (error: unknown) => void,
): LiveSocketSweep {
	let running = false;
	const timer = setInterval(() => {
		if (running) return;
		running = true;
		recheck()
			.catch(onError)
			.finally(() => {
				running = false;
			});
	}, intervalMs);
	timer.unref();
	return { stop: () => clearInterval(timer) };
}
