import type { Store } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import type { RevocationPublisher } from "./revocations.ts";

/** What every domain function needs; passed explicitly, never read from globals. */
export interface DomainDeps {
	store: Store;
	clock: Clock;
	revocations: RevocationPublisher;
}
