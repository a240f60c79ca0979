import type { MiddlewareHandler } from "hono";

/** A year, as browsers' HSTS preload lists expect. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/**
 * Headers every answer carries: no content sniffing, and on a TLS server a year of HTTPS-only (HSTS). Set before
 * the route runs, like CORS, so nothing touches the response afterwards.
 */
export function securityHeaders(options: { tls: boolean }): MiddlewareHandler {
	const hsts = options.tls ? `max-age=${HSTS_MAX_AGE_SECONDS}` : null;
	return async (c, next) => {
		c.header("x-content-type-options", "nosniff");
		if (hsts !== null) c.header("strict-transport-security", hsts);
		await next();
	};
}

/** For answers that carry a secret (a minted token or key, the `/me` session): no cache may keep them. */
export const NO_STORE: Readonly<Record<string, string>> = { "cache-control": "no-store" };
