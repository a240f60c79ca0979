import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

/**
 * Per-minute budgets (issue 12). Each is per node unless marked shared; 0 turns a limit off. Defaults are in
 * RATE_LIMIT_DEFAULTS below and in docs/security.md "Rate limits".
 */
export interface RateLimitOptions {
	/** Core operations of one app (logins, creating and deleting users), from every key and token together. */
	appCorePerMinute?: number;
	/** Every other REST request of one app. */
	appStandardPerMinute?: number;
	/** REST requests made with one API key, whatever its scope. */
	apiKeyPerMinute?: number;
	/** Logins (`login(uid, authKey)`) minted with one Auth Key. */
	authKeyLoginsPerMinute?: number;
	/** Shared. Login points of one user of one app: a login costs 1, a failed one `failurePoints`. */
	uidLoginPointsPerMinute?: number;
	/** What a failed login costs against its user's budget. */
	failurePoints?: number;
	/** Shared. Failed authentications (a wrong key or token, an unknown uid, a bad realtime auth) from one address. */
	ipFailuresPerMinute?: number;
	/** Data import requests (`POST /v3/data_import/users`) of one app: CometChat's own limit. */
	dataImportPerMinute?: number;
}

export const RATE_LIMIT_DEFAULTS: Readonly<Required<RateLimitOptions>> = Object.freeze({
	// CometChat's own limits are 10,000 core and 20,000 standard requests a minute per app; a self-hosted server
	// answers one operator's apps, so its defaults only stop runaway clients and stay above what one node can serve.
	appCorePerMinute: 600_000,
	appStandardPerMinute: 6_000_000,
	apiKeyPerMinute: 6_000_000,
	authKeyLoginsPerMinute: 600_000,
	uidLoginPointsPerMinute: 600,
	failurePoints: 10,
	ipFailuresPerMinute: 300,
	dataImportPerMinute: 60,
});

/** Every budget counts over a fixed window of this length. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

/** What one count decided, and what the `X-Rate-Limit*` headers report. */
export interface RateLimitDecision {
	allowed: boolean;
	limit: number;
	remaining: number;
	/** When the window ends, unix ms. */
	resetAtMs: number;
}

/** Builds a limiter over a store every node shares (PostgreSQL); see store/rate-limit-counters.ts. */
export type SharedLimiterFactory = (options: {
	keyPrefix: string;
	points: number;
	durationSeconds: number;
}) => RateLimiterAbstract;

export type RequestKind = "core" | "standard";
/** Which budget refused a login, and its state (for the 429's headers). */
export interface LoginRefusal {
	scope: "address" | "user";
	decision: RateLimitDecision;
}

// Keys refused locally; bounded by sweeping expired entries once it grows past this.
const BLOCKED_SWEEP_SIZE = 10_000;

/**
 * A fixed-window counter per key, in this process's memory: the volume budgets (per app, per key), which every
 * request of its app passes. The same windows as the library's RateLimiterMemory (a key's window starts at its first
 * count and lasts RATE_LIMIT_WINDOW_SECONDS), but answered synchronously: no promise, no result object and no timer
 * per key, which cost about 1 µs of each `GET /me` (docs/performance.md). Ended windows are swept when a new key
 * finds the map at twice the size the last sweep left (at least 1024), so it holds at most about twice the keys
 * one window counted; the keys are apps and API keys the store knows.
 */
export class LocalWindowCounter {
	readonly points: number;
	private readonly windowMs: number;
	private readonly windows = new Map<string, { count: number; resetAtMs: number }>();
	private sweepAt = 1024;

	constructor(points: number, windowSeconds = RATE_LIMIT_WINDOW_SECONDS) {
		this.points = points;
		this.windowMs = windowSeconds * 1000;
	}

	/** Counts `points` for `key`; over budget is a decision with `allowed: false` (the count is kept, as the library does). */
	consume(key: string, points = 1): RateLimitDecision {
		const now = Date.now();
		let window = this.windows.get(key);
		if (window === undefined || window.resetAtMs <= now) {
			if (window === undefined && this.windows.size >= this.sweepAt) this.sweep(now);
			window = { count: 0, resetAtMs: now + this.windowMs };
			this.windows.set(key, window);
		}
		window.count += points;
		return {
			allowed: window.count <= this.points,
			limit: this.points,
			remaining: Math.max(this.points - window.count, 0),
			resetAtMs: window.resetAtMs,
		};
	}

	private sweep(now: number): void {
		for (const [key, window] of this.windows) if (window.resetAtMs <= now) this.windows.delete(key);
		this.sweepAt = Math.max(1024, this.windows.size * 2);
	}
}

/**
 * The server's rate limits, one instance per node. Volume limits (per app, per key) count in memory on each
 * node. The two limits an attacker spreads over nodes (failures per address, logins per user) count in the
 * shared store when one is given, with an in-memory limiter as insurance while the store is unreachable.
 *
 * A login counts 1 point against its user before it runs, so the budget is exact across nodes; a failed one then
 * pays the rest of `failurePoints` and counts one failure against its address. With a budget of 12 a user gets
 * 12 logins a minute, or one failure of 10 points and two logins. A key found over budget is remembered locally
 * until its window ends, so a blocked client costs no store round trip.
 *
 * The library reads `Date.now()`; tests move time with `vi.setSystemTime`.
 */
export class RateLimits {
	readonly options: Readonly<Required<RateLimitOptions>>;
	private readonly appCore: LocalWindowCounter | null;
	private readonly appStandard: LocalWindowCounter | null;
	private readonly apiKey: LocalWindowCounter | null;
	private readonly authKeyLogins: LocalWindowCounter | null;
	private readonly uidLogins: RateLimiterAbstract | null;
	private readonly ipFailures: RateLimiterAbstract | null;
	private readonly dataImport: RateLimiterAbstract | null;
	private readonly blocked = new Map<string, { until: number; limit: number }>();

	constructor(options: RateLimitOptions = {}, dependencies: { shared?: SharedLimiterFactory } = {}) {
		this.options = Object.freeze({ ...RATE_LIMIT_DEFAULTS, ...options });
		const local = (keyPrefix: string, points: number): RateLimiterAbstract | null =>
			points > 0 ? new RateLimiterMemory({ keyPrefix, points, duration: RATE_LIMIT_WINDOW_SECONDS }) : null;
		const shared = (keyPrefix: string, points: number): RateLimiterAbstract | null => {
			if (points <= 0) return null;
			return (
				dependencies.shared?.({ keyPrefix, points, durationSeconds: RATE_LIMIT_WINDOW_SECONDS }) ??
				local(keyPrefix, points)
			);
		};
		const volume = (points: number): LocalWindowCounter | null => (points > 0 ? new LocalWindowCounter(points) : null);
		this.appCore = volume(this.options.appCorePerMinute);
		this.appStandard = volume(this.options.appStandardPerMinute);
		this.apiKey = volume(this.options.apiKeyPerMinute);
		this.authKeyLogins = volume(this.options.authKeyLoginsPerMinute);
		this.uidLogins = shared("uid-logins", this.options.uidLoginPointsPerMinute);
		this.ipFailures = shared("ip-failures", this.options.ipFailuresPerMinute);
		this.dataImport = local("data-import", this.options.dataImportPerMinute);
	}

	/** Counts one data import request of an app; null when that limit is off. */
	async consumeDataImport(appId: string): Promise<RateLimitDecision | null> {
		return this.dataImport ? await consume(this.dataImport, appId, 1) : null;
	}

	/** Counts one REST request of an app; null when that limit is off. */
	consumeAppRequest(appId: string, kind: RequestKind): RateLimitDecision | null {
		const limiter = kind === "core" ? this.appCore : this.appStandard;
		return limiter ? limiter.consume(appId) : null;
	}

	/** Counts one REST request made with an API key; null when that limit is off. */
	consumeApiKey(keyId: string): RateLimitDecision | null {
		return this.apiKey ? this.apiKey.consume(keyId) : null;
	}

	/** Counts one login minted with an Auth Key; null when that limit is off. */
	consumeAuthKeyLogin(keyId: string): RateLimitDecision | null {
		return this.authKeyLogins ? this.authKeyLogins.consume(keyId) : null;
	}

	/** Whether failures from this address are over budget; a refusal's decision, else null. */
	blockedAddress(address: string): RateLimitDecision | null {
		return this.blockedDecision(`ip:${address}`);
	}

	/** Counts a failed authentication from an address; the decision tells whether the address is now over budget. */
	async recordFailure(address: string): Promise<RateLimitDecision | null> {
		if (!this.ipFailures) return null;
		const decision = await consume(this.ipFailures, address, 1);
		if (isSpent(decision)) this.block(`ip:${address}`, decision);
		return decision;
	}

	/**
	 * Lets a login of `uid` (null when it names no user it could be charged to) from `address` go ahead, or says
	 * which budget refuses it. An admitted login has spent 1 point of its user's budget.
	 */
	async admitLogin(address: string, appId: string, uid: string | null): Promise<LoginRefusal | null> {
		const byAddress = this.blockedAddress(address);
		if (byAddress) return { scope: "address", decision: byAddress };
		if (uid === null || !this.uidLogins) return null;
		const key = `${appId}:${uid}`;
		const known = this.blockedDecision(`uid:${key}`);
		if (known) return { scope: "user", decision: known };
		const decision = await consume(this.uidLogins, key, 1);
		if (decision.allowed) return null;
		this.block(`uid:${key}`, decision);
		return { scope: "user", decision };
	}

	/** An admitted login failed: its user pays the rest of `failurePoints`, its address one failure. */
	async recordLoginFailure(address: string, appId: string, uid: string | null): Promise<void> {
		const penalty = this.options.failurePoints - 1;
		const counts: Array<Promise<unknown>> = [this.recordFailure(address)];
		if (uid !== null && this.uidLogins && penalty > 0) {
			const key = `${appId}:${uid}`;
			counts.push(
				consume(this.uidLogins, key, penalty).then((decision) => {
					if (isSpent(decision)) this.block(`uid:${key}`, decision);
				}),
			);
		}
		await Promise.all(counts);
	}

	private block(key: string, decision: RateLimitDecision): void {
		if (this.blocked.size >= BLOCKED_SWEEP_SIZE) {
			const now = Date.now();
			for (const [blockedKey, entry] of this.blocked) if (entry.until <= now) this.blocked.delete(blockedKey);
		}
		this.blocked.set(key, { until: decision.resetAtMs, limit: decision.limit });
	}

	private blockedDecision(key: string): RateLimitDecision | null {
		const entry = this.blocked.get(key);
		if (!entry) return null;
		if (entry.until <= Date.now()) {
			this.blocked.delete(key);
			return null;
		}
		return { allowed: false, limit: entry.limit, remaining: 0, resetAtMs: entry.until };
	}
}

/** A budget with nothing left: the next attempt is refused without counting. */
function isSpent(decision: RateLimitDecision): boolean {
	return !decision.allowed || decision.remaining <= 0;
}

async function consume(limiter: RateLimiterAbstract, key: string, points: number): Promise<RateLimitDecision> {
	let result: RateLimiterRes;
	let allowed = true;
	try {
		result = await limiter.consume(key, points);
	} catch (rejection) {
		// Over budget is a rejection with the counter's state; anything else is a store failure with no insurance.
		if (!(rejection instanceof RateLimiterRes)) throw rejection;
		result = rejection;
		allowed = false;
	}
	return {
		allowed,
		limit: limiter.points,
		remaining: result.remainingPoints,
		resetAtMs: Date.now() + Math.max(result.msBeforeNext, 0),
	};
}
