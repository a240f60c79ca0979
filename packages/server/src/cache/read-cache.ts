import { LRUCache } from "lru-cache";
import type { EventBus } from "../events/bus.ts";
import type { BusEvent } from "../events/change-event.ts";
import type { ApiKeyRecord, AppRecord, AuthTokenRecord, Session, Store } from "../store/store.ts";

export interface ReadCacheOptions {
	/** Verified sessions kept in memory (token id → token and user). */
	sessionCacheSize?: number;
	/** API keys kept in memory (key id → key). */
	apiKeyCacheSize?: number;
	/** Apps kept in memory. */
	appCacheSize?: number;
	/** How often buffered `lastUsedAt` (and last-use address) writes go to the store. */
	writeBehindIntervalMs?: number;
	onError?(error: unknown): void;
}

const DEFAULT_SESSION_CACHE_SIZE = 20_000;
const DEFAULT_API_KEY_CACHE_SIZE = 5_000;
const DEFAULT_APP_CACHE_SIZE = 1_000;
const DEFAULT_WRITE_BEHIND_INTERVAL_MS = 1_000;

export interface ReadCacheStats {
	sessions: number;
	apiKeys: number;
	apps: number;
	/** `lastUsedAt` writes waiting for the next flush. */
	pendingTouches: number;
	/** API keys' `lastUsedAt` writes waiting for the next flush. */
	pendingKeyTouches: number;
}

export interface ReadCache {
	/**
	 * The store to hand to the domain: `getSession`, `getApiKey` and `getApp` answer from memory while the bus is
	 * live; `touchAuthToken` and `touchApiKey` are written behind; everything else goes straight through.
	 */
	store: Store;
	stats(): ReadCacheStats;
	/** Writes the buffered `lastUsedAt` values now. */
	flush(): Promise<void>;
	/** Flushes, stops the timer and leaves the bus. The underlying store stays open. */
	close(): Promise<void>;
}

function userKey(appId: string, uid: string): string {
	return `${appId}\u0000${uid}`;
}

/**
 * The read path's caches, kept exact by the change-event bus:
 * - an entry is dropped by the event that changes it, before the call that made the change answers;
 * - nothing is cached for an id the store does not know (no negative entries), so a flood of made-up token ids
 *   costs store lookups but cannot push live sessions out;
 * - while the bus is not live (another node's events may be lost), nothing is answered from or put in memory,
 *   and a `resync` empties every cache;
 * - a lookup that raced with an event is not stored (an epoch counter tells), so a stale row read just before a
 *   revocation cannot be cached after it.
 * Secrets are still checked by the caller on every request: a cached session holds only the secret's hash.
 */
export function createReadCache(store: Store, bus: EventBus, options: ReadCacheOptions = {}): ReadCache {
	const tokensByUser = new Map<string, Set<string>>();
	const sessions = new LRUCache<string, Session>({
		max: options.sessionCacheSize ?? DEFAULT_SESSION_CACHE_SIZE,
		dispose: (session, tokenId) => {
			const key = userKey(session.token.appId, session.token.uid);
			const ids = tokensByUser.get(key);
			if (!ids) return;
			ids.delete(tokenId);
			if (ids.size === 0) tokensByUser.delete(key);
		},
	});
	const apiKeys = new LRUCache<string, ApiKeyRecord>({ max: options.apiKeyCacheSize ?? DEFAULT_API_KEY_CACHE_SIZE });
	const apps = new LRUCache<string, AppRecord>({ max: options.appCacheSize ?? DEFAULT_APP_CACHE_SIZE });
	// Bumped by every event that drops something; a lookup started under an older epoch is not stored.
	let epoch = 0;
	// The newest use per token, and the address it came from, waiting for the next flush.
	const touches = new Map<string, { at: number; ip?: string }>();
	// The newest use per API key, waiting for the next flush.
	const keyTouches = new Map<string, number>();

	function dropUser(appId: string, uid: string): void {
		const ids = tokensByUser.get(userKey(appId, uid));
		if (ids) for (const id of [...ids]) sessions.delete(id);
	}

	/** Everything cached of an app: a deleted app's keys and sessions must not answer from memory. */
	function dropApp(appId: string): void {
		apps.delete(appId);
		for (const [id, key] of apiKeys.entries()) if (key.appId === appId) apiKeys.delete(id);
		const prefix = userKey(appId, "");
		for (const [key, ids] of [...tokensByUser]) {
			if (key.startsWith(prefix)) for (const id of [...ids]) sessions.delete(id);
		}
	}

	function onEvent(event: BusEvent): void {
		switch (event.type) {
			case "token.created":
			case "user.created":
			case "apikey.created":
			case "app.created":
				return;
			case "resync":
				sessions.clear();
				apiKeys.clear();
				apps.clear();
				break;
			case "token.revoked":
				for (const id of event.tokenIds) sessions.delete(id);
				if (event.uid !== undefined) dropUser(event.appId, event.uid);
				break;
			case "token.updated":
				sessions.delete(event.tokenId);
				break;
			case "user.updated":
			case "user.deactivated":
			case "user.reactivated":
			case "user.deleted":
				dropUser(event.appId, event.uid);
				break;
			case "apikey.updated":
			case "apikey.deleted":
				apiKeys.delete(event.keyId);
				break;
			case "app.updated":
				apps.delete(event.appId);
				break;
			case "app.deleted":
				dropApp(event.appId);
				break;
		}
		epoch += 1;
	}
	const unsubscribe = bus.subscribe(onEvent);

	/**
	 * Reads through `cache`, storing only a found value whose lookup no event overtook. Not an async function: a hit
	 * (every authenticated request) costs one already-settled promise, not an async frame.
	 */
	function readThrough<T extends {}>(
		cache: LRUCache<string, T>,
		id: string,
		load: () => Promise<T | null>,
		onStore?: (value: T) => void,
	): Promise<T | null> {
		if (!bus.isLive()) return load();
		const hit = cache.get(id);
		if (hit !== undefined) return Promise.resolve(hit);
		return fill(cache, id, load, onStore);
	}

	async function fill<T extends {}>(
		cache: LRUCache<string, T>,
		id: string,
		load: () => Promise<T | null>,
		onStore?: (value: T) => void,
	): Promise<T | null> {
		const started = epoch;
		const value = await load();
		if (value !== null && started === epoch && bus.isLive()) {
			cache.set(id, value);
			onStore?.(value);
		}
		return value;
	}

	// Readers on this node see a use before it is flushed.
	function withPendingTouch(token: AuthTokenRecord): void {
		const pending = touches.get(token.id);
		if (pending === undefined || (token.lastUsedAt !== null && pending.at <= token.lastUsedAt)) return;
		token.lastUsedAt = pending.at;
		if (pending.ip !== undefined) token.lastUsedIp = pending.ip;
	}

	function withPendingKeyTouch(key: ApiKeyRecord): ApiKeyRecord {
		const pending = keyTouches.get(key.id);
		if (pending !== undefined && pending > (key.lastUsedAt ?? 0)) key.lastUsedAt = pending;
		return key;
	}

	const flush = async (): Promise<void> => {
		if (touches.size === 0 && keyTouches.size === 0) return;
		const batch = [...touches];
		touches.clear();
		const keyBatch = [...keyTouches];
		keyTouches.clear();
		await Promise.all([
			...batch.map(([id, use]) => store.touchAuthToken(id, use.at, use.ip === undefined ? {} : { ip: use.ip })),
			...keyBatch.map(([id, at]) => store.touchApiKey(id, at)),
		]);
	};
	const timer = setInterval(() => {
		flush().catch((error: unknown) => options.onError?.(error));
	}, options.writeBehindIntervalMs ?? DEFAULT_WRITE_BEHIND_INTERVAL_MS);
	timer.unref();

	const overrides: Partial<Store> = {
		getSession: (tokenId) =>
			readThrough(
				sessions,
				tokenId,
				async () => {
					const session = await store.getSession(tokenId);
					if (session) withPendingTouch(session.token);
					return session;
				},
				(session) => {
					const key = userKey(session.token.appId, session.token.uid);
					const ids = tokensByUser.get(key);
					if (ids) ids.add(tokenId);
					else tokensByUser.set(key, new Set([tokenId]));
				},
			),
		listAuthTokens: async (appId, uid, page) => {
			const listed = await store.listAuthTokens(appId, uid, page);
			for (const token of listed.items) withPendingTouch(token);
			return listed;
		},
		getApiKey: (id) =>
			readThrough(apiKeys, id, async () => {
				const key = await store.getApiKey(id);
				return key && withPendingKeyTouch(key);
			}),
		listApiKeys: async (appId, query) => {
			const listed = await store.listApiKeys(appId, query);
			for (const key of listed.items) withPendingKeyTouch(key);
			return listed;
		},
		getApp: (id) => readThrough(apps, id, () => store.getApp(id)),
		// Recording use is not worth a write per request: the newest time per token, with the address of the newest
		// use that named one, goes out with the next flush.
		touchAuthToken: async (id, lastUsedAt, options = {}) => {
			const pending = touches.get(id);
			if (pending === undefined) {
				touches.set(id, { at: lastUsedAt, ...(options.ip !== undefined && { ip: options.ip }) });
				return;
			}
			const newer = lastUsedAt >= pending.at;
			if (newer) pending.at = lastUsedAt;
			if (options.ip !== undefined && (newer || pending.ip === undefined)) pending.ip = options.ip;
		},
		// The same for API keys: one write per key per flush, whatever the request rate.
		touchApiKey: async (id, lastUsedAt) => {
			if (lastUsedAt > (keyTouches.get(id) ?? Number.NEGATIVE_INFINITY)) keyTouches.set(id, lastUsedAt);
		},
	};
	// Every other method is the store's own, bound to it once.
	const bound = new Map<PropertyKey, (...args: unknown[]) => unknown>();
	const cached = new Proxy(store, {
		get(target, property) {
			if (Object.hasOwn(overrides, property)) return overrides[property as keyof Store];
			const known = bound.get(property);
			if (known !== undefined) return known;
			const value: unknown = Reflect.get(target, property);
			if (typeof value !== "function") return value;
			const method = value.bind(target);
			bound.set(property, method);
			return method;
		},
	});

	return {
		store: cached,
		stats: () => ({
			sessions: sessions.size,
			apiKeys: apiKeys.size,
			apps: apps.size,
			pendingTouches: touches.size,
			pendingKeyTouches: keyTouches.size,
		}),
		flush,
		async close(): Promise<void> {
			clearInterval(timer);
			unsubscribe();
			await flush();
		},
	};
}
