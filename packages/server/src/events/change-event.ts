/**
 * Every write that can change an authentication decision is announced as one of these, on every node. The
 * type names are the audit log's (issue 16), so that log and webhooks become two more subscribers.
 */

/** Why a token stopped working; the realtime layer puts it in the socket's close reason. */
export type RevocationReason = "revoked" | "logged_out" | "user_deleted" | "expired";

export interface TokenCreated {
	type: "token.created";
	appId: string;
	uid: string;
	tokenId: string;
}

/** Device facts of a token changed (a login by auth token, or the REST update). */
export interface TokenUpdated {
	type: "token.updated";
	appId: string;
	tokenId: string;
}

/** Tokens that stopped working; with `uid`, every token of that user (a flush). */
export interface TokenRevoked {
	type: "token.revoked";
	appId: string;
	tokenIds: string[];
	uid?: string;
	reason: RevocationReason;
}

export interface UserChanged {
	type: "user.created" | "user.updated" | "user.deactivated" | "user.reactivated" | "user.deleted";
	appId: string;
	uid: string;
}

export interface ApiKeyChanged {
	type: "apikey.created" | "apikey.updated" | "apikey.deleted";
	appId: string;
	keyId: string;
}

export interface AppChanged {
	type: "app.created";
	appId: string;
}

export type ChangeEvent = TokenCreated | TokenUpdated | TokenRevoked | UserChanged | ApiKeyChanged | AppChanged;

/**
 * Not a change but a warning from the transport: this node may have missed events (the cross-node channel was
 * down, or another process wrote to the SQLite file). Whatever was derived from earlier events must be dropped.
 */
export interface Resync {
	type: "resync";
}

export type BusEvent = ChangeEvent | Resync;

export const CHANGE_EVENT_TYPES: ReadonlySet<ChangeEvent["type"]> = new Set([
	"token.created",
	"token.updated",
	"token.revoked",
	"user.created",
	"user.updated",
	"user.deactivated",
	"user.reactivated",
	"user.deleted",
	"apikey.created",
	"apikey.updated",
	"apikey.deleted",
	"app.created",
]);

/** Creations take nothing away: a cache holds no negative answers, so it has nothing to drop for them. */
export function isCreation(event: ChangeEvent): boolean {
	return (
		event.type === "token.created" ||
		event.type === "user.created" ||
		event.type === "apikey.created" ||
		event.type === "app.created"
	);
}

/** Checks an event that came from outside this process (a NOTIFY payload); null when it is not one. */
export function parseChangeEvent(value: unknown): ChangeEvent | null {
	if (typeof value !== "object" || value === null) return null;
	const event = value as Record<string, unknown>;
	if (typeof event.type !== "string" || !CHANGE_EVENT_TYPES.has(event.type as ChangeEvent["type"])) return null;
	if (typeof event.appId !== "string") return null;
	switch (event.type) {
		case "token.revoked":
			return Array.isArray(event.tokenIds) &&
				event.tokenIds.every((id) => typeof id === "string") &&
				typeof event.reason === "string" &&
				(event.uid === undefined || typeof event.uid === "string")
				? (event as unknown as ChangeEvent)
				: null;
		case "token.created":
			return typeof event.uid === "string" && typeof event.tokenId === "string"
				? (event as unknown as ChangeEvent)
				: null;
		case "token.updated":
			return typeof event.tokenId === "string" ? (event as unknown as ChangeEvent) : null;
		case "apikey.created":
		case "apikey.updated":
		case "apikey.deleted":
			return typeof event.keyId === "string" ? (event as unknown as ChangeEvent) : null;
		case "app.created":
			return event as unknown as ChangeEvent;
		default:
			return typeof event.uid === "string" ? (event as unknown as ChangeEvent) : null;
	}
}
