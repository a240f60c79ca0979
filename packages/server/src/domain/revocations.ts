/** Why a session ended; the realtime layer puts it in the close reason so clients can tell users. */
export type RevocationReason = "revoked" | "logged_out" | "user_deleted" | "expired";

/**
 * A credential that stopped working. Sockets authenticated with any of `tokenIds`, or by any session of
 * `uid` when it is set, must close at once, on every node.
 */
export interface Revocation {
	appId: string;
	tokenIds: string[];
	uid?: string;
	reason: RevocationReason;
}

export interface RevocationPublisher {
	publish(revocation: Revocation): Promise<void>;
}

/** For tools that run without sockets (the CLI, unit tests). */
export const noRevocations: RevocationPublisher = { publish: async () => {} };
