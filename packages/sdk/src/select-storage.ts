import type { AppSettings } from "./app-settings.ts";
import { createFileStorage } from "./file-storage.ts";
import { createMemoryStorage, createWebStorage, type SessionStorage, type WebStorageLike } from "./session-storage.ts";

function isNode(): boolean {
	const process = (globalThis as { process?: { versions?: { node?: string } } }).process;
	return typeof process?.versions?.node === "string";
}

/** The Web Storage object by name, or null where it is missing or access throws (sandboxed iframes, privacy modes). */
function getWebStorage(name: "localStorage" | "sessionStorage"): WebStorageLike | null {
	try {
		const storage = (globalThis as Record<string, unknown>)[name] as WebStorageLike | undefined;
		return storage && typeof storage.getItem === "function" ? storage : null;
	} catch {
		return null;
	}
}

/**
 * The session store for these settings: an explicit `setStorage` wins; then the storage mode; with no mode,
 * localStorage in browsers and the file store in Node. A web mode where that storage is missing falls back
 * to the file store in Node and to memory elsewhere.
 */
export function selectSessionStorage(settings: AppSettings): SessionStorage {
	if (settings.storage) return settings.storage;
	const fallback = (): SessionStorage =>
		isNode() ? createFileStorage(settings.storageDirectory ?? undefined) : createMemoryStorage();
	switch (settings.storageMode) {
		case "memory":
			return createMemoryStorage();
		case "file":
			return createFileStorage(settings.storageDirectory ?? undefined);
		case "session": {
			const storage = getWebStorage("sessionStorage");
			return storage ? createWebStorage(storage) : fallback();
		}
		case "local": {
			const storage = getWebStorage("localStorage");
			return storage ? createWebStorage(storage) : fallback();
		}
		default: {
			const storage = isNode() ? null : getWebStorage("localStorage");
			return storage ? createWebStorage(storage) : fallback();
		}
	}
}
