import type { Logger } from "pino";
import type { ManagementCredentials } from "../config.ts";
import type { DomainDeps } from "../domain/deps.ts";
import type { IdentityProviderOptions } from "../domain/identity-providers.ts";
import type { PublicEndpoint } from "../domain/me.ts";
import type { PasswordHasher } from "../domain/operator-passwords.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { RateLimits } from "./rate-limits.ts";

/** What the admin console needs beyond the REST API's deps; every field has a default. */
export interface DashboardOptions {
	/** LATCHKEY_PUBLIC_URL. Forms from its origin are accepted, and https makes the cookie `Secure`. */
	publicURL?: string;
	/** Argon2id with OWASP's parameters unless a test injects a fast one. */
	passwordHasher?: PasswordHasher;
	/** Open realtime sockets of an app (or of one user of it); the pages show "—" without it. */
	liveSocketCount?: (appId: string, uid?: string) => number | Promise<number>;
	/**
	 * Take the sign-in throttle's source address from the last `X-Forwarded-For` entry (the one the proxy in
	 * front added) instead of the socket. Only behind a proxy that sets it; default false.
	 */
	trustProxy?: boolean;
	/** Prometheus metrics (LATCHKEY_METRICS_TOKEN): every request counted, `/metrics` served to the token's bearer. */
	metrics?: { registry: Metrics; token: string };
}

/** What the HTTP side of the server (the REST API and the dashboard) is built from. */
export interface AppDeps extends DomainDeps {
	publicEndpoint: PublicEndpoint;
	logger: Logger;
	/** The admin console's options (public URL, password hasher, live-socket counts); all optional. */
	dashboard?: DashboardOptions;
	/** Served over TLS: every answer then carries `Strict-Transport-Security`. */
	tls?: boolean;
	/** The node's rate limits, shared with the realtime hub; the API makes one with the defaults when absent. */
	rateLimits?: RateLimits;
	/**
	 * Take the client's address (rate limits) from the last `X-Forwarded-For` entry instead of the socket.
	 * LATCHKEY_TRUST_PROXY; only behind a proxy that sets it; default false.
	 */
	trustProxy?: boolean;
	/** Prometheus metrics (LATCHKEY_METRICS_TOKEN): every request counted, `/metrics` served to the token's bearer. */
	metrics?: { registry: Metrics; token: string };
	/**
	 * The Management API's `key` + `secret` (LATCHKEY_MANAGEMENT_KEY/_SECRET): `/apps` is served, to requests carrying
	 * both, when set; absent, those paths answer 404 like any unknown path.
	 */
	management?: ManagementCredentials;
	/** Identity providers' options (LATCHKEY_IDP_ALLOW_HTTP); absent: https key sets only. */
	identityProviders?: IdentityProviderOptions;
}
