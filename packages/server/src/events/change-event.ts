import { z } from "zod";

/**
 * Every write that can change an authentication decision is announced as one of these, on every node. The
 * type names are the audit log's (issue 16), so that log and webhooks become two more subscribers.
 */

/** Why a token stopped working; the realtime layer puts it in the socket's close reason. */
export type RevocationReason = "revoked" | "logged_out" | "user_deleted" | "expired" | "app_deleted";

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

/** `app.deleted`: the app went with every user, token and key of it (one event, not one per token). */
export interface AppChanged {
	type: "app.created" | "app.updated" | "app.deleted";
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

const id = z.string();
const changeEventSchema = z.discriminatedUnion("type", [
	z.object({ type: z.literal("token.created"), appId: id, uid: id, tokenId: id }),
	z.object({ type: z.literal("token.updated"), appId: id, tokenId: id }),
	z.object({
		type: z.literal("token.revoked"),
		appId: id,
		tokenIds: z.array(id),
		uid: id.optional(),
		reason: z.enum(["revoked", "logged_out", "user_deleted", "expired", "app_deleted"]),
	}),
	z.object({
		type: z.enum(["user.created", "user.updated", "user.deactivated", "user.reactivated", "user.deleted"]),
		appId: id,
		uid: id,
	}),
	z.object({ type: z.enum(["apikey.created", "apikey.updated", "apikey.deleted"]), appId: id, keyId: id }),
	z.object({ type: z.enum(["app.created", "app.updated", "app.deleted"]), appId: id }),
]);

/** Checks an event that came from outside this process (a NOTIFY payload); null when it is not one. */
export function parseChangeEvent(value: unknown): ChangeEvent | null {
	const parsed = changeEventSchema.safeParse(value);
	return parsed.success ? parsed.data : null;
}
