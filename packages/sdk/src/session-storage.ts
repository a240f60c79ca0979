/**
 * Where the SDK keeps one app's session between page loads or process runs: one opaque string per app.
 * Implement it to keep sessions anywhere else (a keychain, an encrypted store).
 *
 * @example
 * const storage: SessionStorage = { read: async (appId) => db.get(appId), write: async (appId, v) => db.put(appId, v), delete: async (appId) => db.del(appId) };
 */
export interface SessionStorage {
	/** The stored value, or null when there is none. */
	read(appId: string): Promise<string | null>;
	write(appId: string, value: string): Promise<void>;
	delete(appId: string): Promise<void>;
}

/** The part of the Web Storage API the SDK needs; `localStorage` and `sessionStorage` have it. */
export interface WebStorageLike {
	getItem(key: string): string | null;
	setItem(key: string, value: string): void;
	removeItem(key: string): void;
}

const KEY_PREFIX = "latchkey-chat-sdk:";

/**
 * A store over `localStorage`, `sessionStorage` or anything with the same three methods. Keys are
 * `latchkey-chat-sdk:<appId>`.
 *
 * @example
 * const storage = createWebStorage(window.sessionStorage);
 */
export function createWebStorage(storage: WebStorageLike): SessionStorage {
	return {
		read: async (appId) => storage.getItem(KEY_PREFIX + appId),
		write: async (appId, value) => storage.setItem(KEY_PREFIX + appId, value),
		delete: async (appId) => storage.removeItem(KEY_PREFIX + appId),
	};
}

/**
 * A store that lives as long as the object does: for tests, and for servers that must never write a session.
 *
 * @example
 * const storage = createMemoryStorage();
 */
export function createMemoryStorage(): SessionStorage {
	const values = new Map<string, string>();
	return {
		read: async (appId) => values.get(appId) ?? null,
		write: async (appId, value) => void values.set(appId, value),
		delete: async (appId) => void values.delete(appId),
	};
}
