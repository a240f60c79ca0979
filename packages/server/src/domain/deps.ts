import type { AuditRecorder } from "../audit/audit-event.ts";
import type { EventPublisher } from "../events/bus.ts";
import type { Store } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import type { TokenCipher } from "./token-cipher.ts";

/** What every domain function needs; passed explicitly, never read from globals. */
export interface DomainDeps {
	store: Store;
	clock: Clock;
	/** Told of every committed change (the change-event bus); caches and sockets follow it. */
	events: EventPublisher;
	/** Per-app caps (LATCHKEY_MAX_USERS_PER_APP, LATCHKEY_MAX_AUTH_TOKENS_PER_APP); absent fields keep the defaults. */
	quotas?: AppQuotas;
	/** LATCHKEY_TOKEN_ENCRYPTION_KEY's cipher: apps with `tokenStorage: "retrievable"` need it; absent: none may. */
	tokenCipher?: TokenCipher;
	/**
	 * The audit log (issue 16), bound to who is acting (the HTTP routes that write, the dashboard and the CLI bind it
	 * per request or run). Recorded once, here on the node that made the change, not from the bus (every node hears
	 * every bus event). Absent: nothing is recorded.
	 */
	audit?: AuditRecorder;
}

/** Per-app caps on stored rows; the defaults (domain/quotas.ts) are far above normal use. */
export interface AppQuotas {
	maxUsersPerApp?: number;
	maxAuthTokensPerApp?: number;
}
