import type { EventPublisher } from "../events/bus.ts";
import type { Store } from "../store/store.ts";
import type { Clock } from "./clock.ts";

/** What every domain function needs; passed explicitly, never read from globals. */
export interface DomainDeps {
	store: Store;
	clock: Clock;
	/** Told of every committed change (the change-event bus); caches and sockets follow it. */
	events: EventPublisher;
}
