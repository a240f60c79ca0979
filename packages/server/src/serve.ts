import { readFileSync } from "node:fs";
import { createServer as createHTTPSServer } from "node:https";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { Logger } from "pino";
import { createAuditRecorder, SYSTEM_CONTEXT } from "./audit/recorder.ts";
import { startAuditRetention } from "./audit/retention.ts";
import { createReadCache, type ReadCache, type ReadCacheOptions } from "./cache/read-cache.ts";
import type { Config } from "./config.ts";
import type { Clock } from "./domain/clock.ts";
import type { DomainDeps } from "./domain/deps.ts";
import { parsePublicEndpoint } from "./domain/me.ts";
import { createTokenCipher } from "./domain/token-cipher.ts";
import { createLocalEventBus, type EventBus } from "./events/bus.ts";
import { Metrics } from "./metrics/metrics.ts";
import { startExpirySweep } from "./realtime/expiry-sweep.ts";
import { createRealtimeHub, type RealtimeHub, type RealtimeHubOptions } from "./realtime/hub.ts";
import {
	createPresenceTracker,
	type PresenceTracker,
	type PresenceTrackerOptions,
} from "./realtime/presence-tracker.ts";
import { poolUse } from "./store/dialects.ts";
import { KyselyStore } from "./store/kysely-store.ts";
import type { Store } from "./store/store.ts";
import { RateLimits, type SharedLimiterFactory } from "./web/rate-limits.ts";
import { createWebApp } from "./web-app.ts";
import { createWebhookOutboxHook } from "./webhooks/outbox.ts";
import { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from "./webhooks/worker.ts";

export interface RunningServer {
	/** The address actually bound, e.g. http://127.0.0.1:54321 (useful with PORT=0). */
	url: string;
	port: number;
	server: ServerType;
	/** The realtime endpoint on the same port (`ws(s)://host:port/`). */
	hub: RealtimeHub;
	/** The change-event bus the domain publishes to; the caches and the hub follow it. */
	bus: EventBus;
	/** The read path's caches over the store (what the domain of this server reads through). */
	cache: ReadCache;
	/** This node's presence: its users with a live authenticated socket, kept in the store (issue 14). */
	presence: PresenceTracker;
	/** This node's rate limits (the REST API's and the realtime hub's). */
	rateLimits: RateLimits;
	/** This node's webhook delivery worker (issue 16). */
	webhooks: WebhookWorker;
	/**
	 * Closes every socket with 1001, stops accepting, lets in-flight requests finish, writes what the cache
	 * buffered, then resolves. The store stays open; a bus passed in stays open, one created here is closed.
	 */
	close(): Promise<void>;
}

export interface ServeDeps {
	config: Readonly<Config>;
	store: Store;
	clock: Clock;
	logger: Logger;
	/** Where change events travel between nodes; an in-process bus when absent (one node). */
	bus?: EventBus;
	realtime?: RealtimeHubOptions;
	cache?: ReadCacheOptions;
	/**
	 * Where the limits every node shares (failures per address, logins per user) count: PostgreSQL's table on a
	 * deployment of several nodes (store/rate-limit-counters.ts). This node's memory when absent.
	 */
	sharedLimiter?: SharedLimiterFactory;
	/** The presence heartbeat (tests turn its timer off and beat by hand) and this node's id; defaults otherwise. */
	presence?: PresenceTrackerOptions;
	/** The webhook worker's options beyond the config's (tests turn its poll off, pin its jitter, resolve names). */
	webhooks?: WebhookWorkerOptions;
}

/** Binds HTTP, or HTTPS when TLS files are configured, serves the app, and the realtime socket on the same port. */
export async function startServer(deps: ServeDeps): Promise<RunningServer> {
	const ownBus = deps.bus === undefined;
	const bus =
		deps.bus ??
		createLocalEventBus({ onError: (error) => deps.logger.error({ err: error }, "event subscriber failed") });
	// Subscribed before the hub, so a revocation has left the cache before its sockets are told.
	const cache = createReadCache(deps.store, bus, {
		...deps.cache,
		onError: (error) => deps.logger.error({ err: error }, "write-behind failed"),
	});
	// Metrics read the hub (made below) and the pool when scraped; the domain's publisher counts this node's changes.
	const metrics = deps.config.metricsToken
		? new Metrics({ openSockets: () => hub.connectionCount(), pool: () => poolOf(deps.store) })
		: null;
	const domain: DomainDeps = {
		store: cache.store,
		clock: deps.clock,
		events: metrics ? metrics.countingPublisher(bus) : bus,
		quotas: deps.config.quotas,
		...(deps.config.tokenEncryptionKey && { tokenCipher: createTokenCipher(deps.config.tokenEncryptionKey) }),
		// The audit log (issue 16): the system's by default (expiry sweep); the routes that write bind it per request.
		audit: createAuditRecorder(cache.store, SYSTEM_CONTEXT, {
			clock: deps.clock,
			onError: (error, event) =>
				deps.logger.error({ err: error, type: event.type, appId: event.appId }, "audit event not recorded"),
		}),
	};
	const rateLimits = new RateLimits(deps.config.rateLimits, { shared: deps.sharedLimiter });
	// Webhooks (issue 16): the audit log's inserts fill the outbox in their own transaction; this node's worker sends it.
	const webhooks = startWebhookWorker(deps.store, deps.clock, {
		allowPrivate: deps.config.webhookAllowPrivate,
		...(domain.tokenCipher && { cipher: domain.tokenCipher }),
		onError: (error) => deps.logger.error({ err: error }, "webhook delivery failed"),
		...deps.webhooks,
	});
	if (deps.store instanceof KyselyStore) deps.store.setOnAuditRows(createWebhookOutboxHook({ wake: webhooks.wake }));
	const webhookRoutes = { webhooks: { allowPrivate: deps.config.webhookAllowPrivate } };
	const app = createWebApp({
		...domain,
		publicEndpoint: parsePublicEndpoint(deps.config.publicURL),
		logger: deps.logger,
		tls: deps.config.tls !== null,
		rateLimits,
		trustProxy: deps.config.trustProxy,
		...webhookRoutes,
		...(metrics && deps.config.metricsToken && { metrics: { registry: metrics, token: deps.config.metricsToken } }),
		...(deps.config.management && { management: deps.config.management }),
		identityProviders: { allowHttp: deps.config.identityProviderAllowHttp },
		dashboard: {
			publicURL: deps.config.publicURL,
			trustProxy: deps.config.trustProxy,
			// Called per page view, after the hub below exists.
			liveSocketCount: (appId, uid) => hub.liveSocketCount(appId, uid),
		},
	});
	const limits = deps.config.connections;
	const presence = createPresenceTracker(deps.store, deps.clock, {
		onError: (error) => deps.logger.error({ err: error }, "presence write failed"),
		...deps.presence,
	});
	const hub = createRealtimeHub(
		{ domain, logger: deps.logger, bus, presence },
		{
			maxUnauthenticatedSocketsPerIP: limits.maxUnauthenticatedSocketsPerIP,
			maxUnauthenticatedSockets: limits.maxUnauthenticatedSockets,
			maxSockets: limits.maxSockets,
			maxSocketsPerUser: limits.maxSocketsPerUser,
			trustProxy: deps.config.trustProxy,
			rateLimits,
			...deps.realtime,
		},
	);
	const tls = deps.config.tls;
	// A client that sends its headers or body a byte at a time is cut once these pass, instead of holding a socket
	// for Node's 300 s default. Node checks the deadlines every `connectionsCheckingInterval`, so that follows them.
	const timeouts = {
		headersTimeout: limits.headersTimeoutMs,
		requestTimeout: limits.requestTimeoutMs,
		keepAliveTimeout: limits.keepAliveTimeoutMs,
		connectionsCheckingInterval: Math.min(1_000, Math.ceil(limits.headersTimeoutMs / 4)),
	};
	const server = await new Promise<ServerType>((resolve, reject) => {
		const created = serve(
			{
				fetch: app.fetch,
				hostname: deps.config.host,
				port: deps.config.port,
				serverOptions: timeouts,
				...(tls && {
					createServer: createHTTPSServer,
					serverOptions: { ...timeouts, cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) },
				}),
			},
			() => resolve(created),
		);
		created.once("error", reject);
	}).catch(async (error: unknown) => {
		await webhooks.close();
		await hub.close();
		await presence.close();
		await cache.close();
		if (ownBus) await bus.close();
		throw error;
	});
	server.on("upgrade", hub.handleUpgrade);
	// Sockets of tokens that expire (issue 15) close within a second of the boundary.
	const stopExpirySweep = startExpirySweep(domain, hub, {
		setTimer: deps.realtime?.setTimer,
		onError: (error) => deps.logger.error({ err: error }, "token expiry sweep failed"),
	});
	// Audit events older than LATCHKEY_AUDIT_RETENTION_DAYS go, hourly; harmless when several nodes run it at once.
	const stopAuditRetention = startAuditRetention(deps.store, deps.clock, {
		retentionDays: deps.config.auditRetentionDays,
		setTimer: deps.realtime?.setTimer,
		onError: (error) => deps.logger.error({ err: error }, "audit retention failed"),
	});
	const port = (server.address() as AddressInfo).port;
	const host = deps.config.host.includes(":") ? `[${deps.config.host}]` : deps.config.host;
	return {
		url: `${tls ? "https" : "http"}://${host}:${port}`,
		port,
		server,
		hub,
		bus,
		cache,
		presence,
		rateLimits,
		webhooks,
		async close(): Promise<void> {
			stopExpirySweep();
			// Deliveries in flight are cut and given back unsent; another node, or this one's next start, sends them.
			await webhooks.close();
			stopAuditRetention();
			await hub.close();
			// The node's users go offline now rather than when its heartbeat goes stale.
			await presence.close();
			await new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				// Idle keep-alive connections would otherwise hold close() open until they time out.
				if ("closeIdleConnections" in server) server.closeIdleConnections();
			});
			await cache.close();
			if (ownBus) await bus.close();
		},
	};
}

function poolOf(store: Store): ReturnType<typeof poolUse> {
	return "db" in store ? poolUse((store as KyselyStore).db) : null;
}
