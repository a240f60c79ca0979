import type { WebSocket } from "ws";

/** One socket that presented an auth frame; `authenticated` turns true once its JWT verified. */
export interface LiveSocket {
	socket: WebSocket;
	appId: string;
	uid: string;
	tokenId: string;
	authenticated: boolean;
}

function addTo<K>(index: Map<K, Set<LiveSocket>>, key: K, entry: LiveSocket): void {
	const set = index.get(key);
	if (set) set.add(entry);
	else index.set(key, new Set([entry]));
}

function removeFrom<K>(index: Map<K, Set<LiveSocket>>, key: K, entry: LiveSocket): void {
	const set = index.get(key);
	if (!set) return;
	set.delete(entry);
	if (set.size === 0) index.delete(key);
}

function userKey(appId: string, uid: string): string {
	return `${appId}\u0000${uid}`;
}

/** The sockets of this node, indexed by app, by user and by auth-token id, so a revocation finds them at once. */
export class SocketRegistry {
	private readonly byToken = new Map<string, Set<LiveSocket>>();
	private readonly byUser = new Map<string, Set<LiveSocket>>();
	private readonly byApp = new Map<string, Set<LiveSocket>>();

	add(entry: LiveSocket): void {
		addTo(this.byToken, entry.tokenId, entry);
		addTo(this.byUser, userKey(entry.appId, entry.uid), entry);
		addTo(this.byApp, entry.appId, entry);
	}

	/** Idempotent: removing twice, or removing what was never added, does nothing. */
	remove(entry: LiveSocket): void {
		removeFrom(this.byToken, entry.tokenId, entry);
		removeFrom(this.byUser, userKey(entry.appId, entry.uid), entry);
		removeFrom(this.byApp, entry.appId, entry);
	}

	listByToken(tokenId: string): LiveSocket[] {
		return [...(this.byToken.get(tokenId) ?? [])];
	}

	listByUser(appId: string, uid: string): LiveSocket[] {
		return [...(this.byUser.get(userKey(appId, uid)) ?? [])];
	}

	listByApp(appId: string): LiveSocket[] {
		return [...(this.byApp.get(appId) ?? [])];
	}

	listTokenIds(): string[] {
		return [...this.byToken.keys()];
	}

	listAll(): LiveSocket[] {
		return [...this.byApp.values()].flatMap((set) => [...set]);
	}
}
