import { timingSafeEqual } from "node:crypto";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EventPublisher } from "../events/bus.ts";
import type { ChangeEvent } from "../events/change-event.ts";

/** What the metrics read when they are scraped; each source is optional (a test's app has no hub or pool). */
export interface MetricSources {
	/** Open realtime sockets on this node, authenticated or not. */
	openSockets?: () => number;
	/** The PostgreSQL pool's connections; null on SQLite. */
	pool?: () => PoolUse | null;
}

export interface PoolUse {
	total: number;
	idle: number;
	/** Queries waiting for a connection. */
	waiting: number;
}

/** How a login arrived: `login(uid, authKey)`, the app's backend minting with a REST API key, or `login(authToken)`. */
export type LoginMethod = "auth_key" | "rest_api_key" | "auth_token";
export type LoginOutcome = "success" | "failure" | "throttled" | "error";

/**
 * The server's Prometheus metrics (docs/operations.md "Metrics"). Label values are bounded and never carry a
 * request's own values: routes are Hono's route templates (`/v3/users/:uid`), never the raw path, which can hold
 * a token or a uid.
 */
export class Metrics {
	readonly registry = new Registry();
	private readonly requests: Counter<"method" | "route" | "status">;
	private readonly duration: Histogram<"method" | "route">;
	private readonly logins: Counter<"method" | "outcome">;
	private readonly tokensMinted: Counter;
	private readonly tokensRevoked: Counter<"reason">;

	constructor(sources: MetricSources = {}) {
		const registers = [this.registry];
		collectDefaultMetrics({ register: this.registry, prefix: "latchkey_" });
		this.requests = new Counter({
			name: "latchkey_http_requests_total",
			help: "HTTP requests answered, by method, route template and status.",
			labelNames: ["method", "route", "status"],
			registers,
		});
		this.duration = new Histogram({
			name: "latchkey_http_request_duration_seconds",
			help: "Time from a request's arrival to its answer, by method and route template.",
			labelNames: ["method", "route"],
			buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
			registers,
		});
		this.logins = new Counter({
			name: "latchkey_logins_total",
			help: "REST logins by method (auth_key, rest_api_key, auth_token) and outcome (success, failure, throttled, error).",
			labelNames: ["method", "outcome"],
			registers,
		});
		this.tokensMinted = new Counter({
			name: "latchkey_auth_tokens_minted_total",
			help: "Auth tokens minted by this node.",
			registers,
		});
		this.tokensRevoked = new Counter({
			name: "latchkey_auth_tokens_revoked_total",
			help: "Auth tokens revoked by this node, by reason (revoked, logged_out, user_deleted, expired, app_deleted).",
			labelNames: ["reason"],
			registers,
		});
		const { openSockets, pool } = sources;
		new Gauge({
			name: "latchkey_realtime_sockets",
			help: "Open realtime sockets on this node, authenticated or not.",
			registers,
			collect() {
				this.set(openSockets ? openSockets() : 0);
			},
		});
		new Gauge({
			name: "latchkey_db_pool_connections",
			help: "PostgreSQL pool connections by state (total, idle) and queries waiting for one; absent on SQLite.",
			labelNames: ["state"],
			registers,
			collect() {
				const use = pool?.() ?? null;
				if (!use) return;
				this.set({ state: "total" }, use.total);
				this.set({ state: "idle" }, use.idle);
				this.set({ state: "waiting" }, use.waiting);
			},
		});
	}

	/** One answered request; `route` is a route template. */
	observeRequest(method: string, route: string, status: number, seconds: number): void {
		this.requests.inc({ method, route, status: String(status) });
		this.duration.observe({ method, route }, seconds);
	}

	observeLogin(method: LoginMethod, outcome: LoginOutcome): void {
		this.logins.inc({ method, outcome });
	}

	/** Counts what this node's domain published: tokens minted and revoked. */
	observeEvent(event: ChangeEvent): void {
		if (event.type === "token.created") this.tokensMinted.inc();
		else if (event.type === "token.revoked") this.tokensRevoked.inc({ reason: event.reason }, event.tokenIds.length);
	}

	/** The domain's publisher, counting on the way: only this node's own changes, never those heard from others. */
	countingPublisher(events: EventPublisher): EventPublisher {
		return {
			publish: async (event) => {
				this.observeEvent(event);
				await events.publish(event);
			},
		};
	}

	async render(): Promise<string> {
		return await this.registry.metrics();
	}

	get contentType(): string {
		return this.registry.contentType;
	}
}

/** Whether an `Authorization` header carries the metrics token (compared in constant time). */
export function isMetricsBearer(header: string | undefined, token: string): boolean {
	const match = /^bearer +(\S+)$/i.exec(header ?? "");
	if (!match) return false;
	const presented = Buffer.from(match[1] as string);
	const expected = Buffer.from(token);
	return presented.length === expected.length && timingSafeEqual(presented, expected);
}
