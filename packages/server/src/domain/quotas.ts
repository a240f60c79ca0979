import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";

/** Users an app may hold (deactivated ones count) unless LATCHKEY_MAX_USERS_PER_APP says otherwise. */
export const DEFAULT_MAX_USERS_PER_APP = 1_000_000;
/** Auth tokens an app may hold in total unless LATCHKEY_MAX_AUTH_TOKENS_PER_APP says otherwise. */
export const DEFAULT_MAX_AUTH_TOKENS_PER_APP = 10_000_000;
/** A node counts again at least this often, to see what other nodes (and deletions) did. */
const RECOUNT_INTERVAL_MS = 60_000;
/** A refusal is remembered this long, so a client hammering a full app costs no count per request. */
const REFUSAL_MEMORY_MS = 1_000;

/*
 * Counting an app's rows costs one index step per row (measured: 2.6 ms on SQLite, 9 ms on PostgreSQL at
 * 100,000 tokens), too much for every login. So each node counts (bounded by the cap), then lets through
 * half of the headroom it saw without counting again, and counts again when that is used up or after
 * RECOUNT_INTERVAL_MS. Far from the cap a login costs no query; near it every create counts. How exact:
 * on one node the cap holds except for creates already in flight together; with N nodes sharing a database
 * each may spend half the headroom it saw, so the cap can be overshot by up to (N - 2) / 2 of the headroom
 * seen at the last count (none with one or two nodes), plus creates in flight. Deletions show at the next count.
 */

interface Headroom {
	/** Creates this node may still let through without counting. */
	remaining: number;
	countedAt: number;
	refused: boolean;
}

/** Per store (one per server, or per test harness), per kind and app. */
const headrooms = new WeakMap<object, Map<string, Headroom>>();

function quotaReached(what: string, cap: number): LatchkeyError {
	return new LatchkeyError(
		"ERR_PLAN_QUOTA_RESTRICTION",
		`The allowed limit of ${cap} ${what} for this app has been reached.`,
	);
}

async function assertQuota(
	deps: DomainDeps,
	key: string,
	what: string,
	cap: number,
	count: (upTo: number) => Promise<number>,
): Promise<void> {
	let byKey = headrooms.get(deps.store);
	if (byKey === undefined) {
		byKey = new Map();
		headrooms.set(deps.store, byKey);
	}
	const now = deps.clock.now();
	const known = byKey.get(key);
	if (known !== undefined) {
		if (known.refused && now - known.countedAt < REFUSAL_MEMORY_MS) throw quotaReached(what, cap);
		if (!known.refused && known.remaining > 0 && now - known.countedAt < RECOUNT_INTERVAL_MS) {
			known.remaining--;
			return;
		}
	}
	const counted = await count(cap);
	const refused = counted >= cap;
	// This create takes one place of the half it may spend.
	byKey.set(key, { remaining: Math.floor((cap - counted) / 2) - 1, countedAt: now, refused });
	if (refused) throw quotaReached(what, cap);
}

/** Throws ERR_PLAN_QUOTA_RESTRICTION when the app holds its cap of users. */
export async function assertUserQuota(deps: DomainDeps, appId: string): Promise<void> {
	const cap = deps.quotas?.maxUsersPerApp ?? DEFAULT_MAX_USERS_PER_APP;
	await assertQuota(deps, `users:${appId}`, "users", cap, (upTo) => deps.store.countUsers(appId, upTo));
}

/** Throws ERR_PLAN_QUOTA_RESTRICTION when the app holds its cap of auth tokens. */
export async function assertAuthTokenQuota(deps: DomainDeps, appId: string): Promise<void> {
	const cap = deps.quotas?.maxAuthTokensPerApp ?? DEFAULT_MAX_AUTH_TOKENS_PER_APP;
	await assertQuota(deps, `tokens:${appId}`, "auth tokens", cap, (upTo) => deps.store.countAuthTokens(appId, upTo));
}
