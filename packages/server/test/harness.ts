import pino from "pino";
import { createReadCache, type ReadCache, type ReadCacheOptions } from "../src/cache/read-cache.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import type { Clock } from "../src/domain/clock.ts";
import type { AppQuotas, DomainDeps } from "../src/domain/deps.ts";
import { parsePublicEndpoint } from "../src/domain/me.ts";
import type { TokenCipher } from "../src/domain/token-cipher.ts";
import { createLocalEventBus, type LocalEventBus } from "../src/events/bus.ts";
import type { ChangeEvent } from "../src/events/change-event.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import type { AppDeps } from "../src/web/deps.ts";
import type { RateLimits } from "../src/web/rate-limits.ts";
import { createWebApp } from "../src/web-app.ts";
import { openTestStore } from "./stores.ts";

/**
 * The dialect a harness uses unless a test names one: the `server-postgres` project (vitest.config.ts) runs the
 * HTTP suites again on PostgreSQL by setting LATCHKEY_TEST_DIALECT.
 */
const HARNESS_DIALECT: "sqlite" | "postgres" = process.env.LATCHKEY_TEST_DIALECT === "postgres" ? "postgres" : "sqlite";

/** A clock tests move by hand. */
export class ManualClock implements Clock {
	constructor(public ms = Date.UTC(2026, 0, 1)) {}
	now(): number {
		return this.ms;
	}
	advance(ms: number): void {
		this.ms += ms;
	}
}

export interface Harness {
	app: ReturnType<typeof createWebApp>;
	deps: AppDeps;
	clock: ManualClock;
	/** The store itself; writes made here publish no events (the app's domain reads through `cache`). */
	store: KyselyStore;
	bus: LocalEventBus;
	cache: ReadCache;
	/** Every change event published, in order. */
	events: ChangeEvent[];
	/** The published events of these types, in order. */
	eventsOf(...types: Array<ChangeEvent["type"]>): ChangeEvent[];
	seed: CreatedApp;
	/** A request with `appid` set and JSON bodies encoded. */
	call(
		method: string,
		path: string,
		options?: {
			key?: string;
			token?: string;
			body?: unknown;
			headers?: Record<string, string>;
			/** The client socket's address, as @hono/node-server would pass it; none when absent ("unknown"). */
			address?: string;
		},
	): Promise<Response>;
	close(): Promise<void>;
}

/** A fresh app over a fresh store (SQLite in memory unless `dialect` says otherwise) with one seeded app. */
export async function createHarness(
	options: {
		dialect?: "sqlite" | "postgres";
		cache?: ReadCacheOptions;
		quotas?: AppQuotas;
		rateLimits?: RateLimits;
		trustProxy?: boolean;
		tokenCipher?: TokenCipher;
	} = {},
): Promise<Harness> {
	const store = await openTestStore(options.dialect ?? HARNESS_DIALECT);
	const clock = new ManualClock();
	// As in a running server: the domain reads through the cache, which follows the bus.
	const bus = createLocalEventBus();
	const events: ChangeEvent[] = [];
	bus.subscribe((event) => {
		if (event.type !== "resync") events.push(event);
	});
	const cache = createReadCache(store, bus, options.cache);
	const domain: DomainDeps = {
		store: cache.store,
		clock,
		events: bus,
		...(options.quotas && { quotas: options.quotas }),
		...(options.tokenCipher && { tokenCipher: options.tokenCipher }),
	};
	const deps: AppDeps = {
		...domain,
		publicEndpoint: parsePublicEndpoint("https://chat.example.test:8443"),
		logger: pino({ level: "silent" }),
		...(options.rateLimits && { rateLimits: options.rateLimits }),
		...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
	};
	const seed = await createLatchkeyApp(domain, { name: "Test app" });
	const app = createWebApp(deps);
	return {
		app,
		deps,
		clock,
		store,
		bus,
		cache,
		events,
		eventsOf: (...types) => events.filter((event) => types.includes(event.type)),
		seed,
		async call(method, path, callOptions = {}) {
			const headers: Record<string, string> = { appid: seed.app.id, ...callOptions.headers };
			if (callOptions.key !== undefined) headers.apikey = callOptions.key;
			if (callOptions.token !== undefined) headers.authtoken = callOptions.token;
			let body: string | undefined;
			if (callOptions.body !== undefined) {
				body = typeof callOptions.body === "string" ? callOptions.body : JSON.stringify(callOptions.body);
				headers["content-type"] = "application/json";
			}
			const env =
				callOptions.address === undefined
					? undefined
					: { incoming: { socket: { remoteAddress: callOptions.address } } };
			return await app.request(path, { method, headers, ...(body !== undefined && { body }) }, env);
		},
		async close() {
			await cache.close();
			await store.close();
		},
	};
}
