import type { MiddlewareHandler } from "hono";
import { answerHeadersOf } from "../answer-headers.ts";
import type { Env } from "../context.ts";

/** A year, as browsers' HSTS preload lists expect. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/**
 * Headers every answer carries: no content sniffing, and on a TLS server a year of HTTPS-only (HSTS). Collected
 * before the route runs (answer-headers.ts).
 */
export function securityHeaders(options: { tls: boolean }): MiddlewareHandler<Env> {
	const hsts = options.tls ? `max-age=${HSTS_MAX_AGE_SECONDS}` : null;
	return async (c, next) => {
		const headers = answerHeadersOf(c);
		headers["x-content-type-options"] = "nosniff";
		if (hsts !== null) headers["strict-transport-security"] = hsts;
		await next();
	};
}

/** For answers that carry a secret (a minted token or key, the `/me` session): no cache may keep them. */
export const NO_STORE: Readonly<Record<string, string>> = { "cache-control": "no-store" };
