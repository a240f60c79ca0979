import type { Page, UserRecord } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";

/** How often each node writes its heartbeat (and prunes crashed nodes). */
export const PRESENCE_HEARTBEAT_INTERVAL_MS = 5_000;
/**
 * A node whose heartbeat is older than this counts as gone: its sockets stop making their users online. So a
 * crashed node's users read offline at most this long after its last heartbeat (docs/realtime.md "Presence").
 */
export const PRESENCE_STALE_AFTER_MS = 15_000;

export type PresenceStatus = "online" | "offline";

/** Heartbeats at or after this time count as alive. */
export function presenceAliveSince(deps: DomainDeps): number {
	return deps.clock.now() - PRESENCE_STALE_AFTER_MS;
}

/**
 * The presence of each user of a page: `online` while the user holds at least one live authenticated socket on a
 * node that is alive, else `offline`. One index read for the whole page.
 *
 * @example
 * const status = await getPresence(deps, appId, page.items);
 * status.get("alice"); // "online"
 */
export async function getPresence(
	deps: DomainDeps,
	appId: string,
	users: readonly UserRecord[],
): Promise<Map<string, PresenceStatus>> {
	const online = new Set(
		await deps.store.listOnlineUids(
			appId,
			users.map((user) => user.uid),
			presenceAliveSince(deps),
		),
	);
	return new Map(users.map((user) => [user.uid, online.has(user.uid) ? "online" : "offline"]));
}

/** A page of users with each user's presence. */
export interface UsersWithPresence extends Page<UserRecord> {
	status: Map<string, PresenceStatus>;
}
