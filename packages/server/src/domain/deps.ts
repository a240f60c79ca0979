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
}

/** Per-app caps on stored rows; the defaults (domain/quotas.ts) are far above normal use. */
export interface AppQuotas {
	maxUsersPerApp?: number;
	maxAuthTokensPerApp?: number;
}
