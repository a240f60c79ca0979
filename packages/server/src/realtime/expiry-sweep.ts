import type { DomainDeps } from "../domain/deps.ts";
import { expireTokens, hasExpired } from "../domain/expiry.ts";
import type { RealtimeHub, SetTimer } from "./hub.ts";

/** How often a node looks for expired tokens among its sockets: a socket closes within this of its boundary. */
export const EXPIRY_SWEEP_INTERVAL_MS = 1_000;

const realSetTimer: SetTimer = (callback, ms) => {
	const timer = setTimeout(callback, ms);
	timer.unref();
	return () => clearTimeout(timer);
};

/**
 * Ends the tokens of this node's sockets that have expired; what the timer below runs every second. Returns the
 * ids it ended.
 */
export async function sweepExpiredTokens(deps: DomainDeps, hub: Pick<RealtimeHub, "liveTokenIds">): Promise<string[]> {
	const now = deps.clock.now();
	const expiredByApp = new Map<string, string[]>();
	for (const tokenId of hub.liveTokenIds()) {
		const session = await deps.store.getSession(tokenId);
		if (!session) continue;
		const app = await deps.store.getApp(session.token.appId);
		if (!app || app.security === undefined || !(await hasExpired(deps, app, session, now))) continue;
		const ids = expiredByApp.get(app.id) ?? [];
		ids.push(tokenId);
		expiredByApp.set(app.id, ids);
	}
	const ended: string[] = [];
	for (const [appId, ids] of expiredByApp) ended.push(...(await expireTokens(deps, appId, ids)));
	return ended;
}

/**
 * Every second, ends the tokens of this node's sockets that have expired under their app's settings (issue 15):
 * the `token.revoked` (reason `expired`) it publishes closes their sockets with 4001 `expired` on every node.
 * Apps without timeouts cost two cached lookups per socket. Returns the function that stops it.
 */
export function startExpirySweep(
	deps: DomainDeps,
	hub: Pick<RealtimeHub, "liveTokenIds">,
	options: { setTimer?: SetTimer; onError?: (error: unknown) => void } = {},
): () => void {
	const setTimer = options.setTimer ?? realSetTimer;
	let stopped = false;
	let cancel = (): void => {};
	const schedule = (): void => {
		if (stopped) return;
		cancel = setTimer(() => {
			sweepExpiredTokens(deps, hub)
				.catch((error: unknown) => options.onError?.(error))
				.finally(schedule);
		}, EXPIRY_SWEEP_INTERVAL_MS);
	};
	schedule();
	return () => {
		stopped = true;
		cancel();
	};
}
