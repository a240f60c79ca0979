import type { MiddlewareHandler } from "hono";
import { LatchkeyError } from "../../domain/errors.ts";
import { isMetricsBearer, type LoginMethod, type LoginOutcome, type Metrics } from "../../metrics/metrics.ts";
import type { Env } from "../context.ts";

/**
 * Counts every answered request by method, route template and status, times it, and counts logins by method and
 * outcome. Registered first, so its time covers the whole request, and only when metrics are on.
 */
export function recordMetrics(metrics: Metrics): MiddlewareHandler<Env> {
	return async (c, next) => {
		const started = performance.now();
		await next();
		const route = c.req.routePath;
		const status = c.res.status;
		metrics.observeRequest(c.req.method, route, status, (performance.now() - started) / 1000);
		const login = loginMethod(c.req.method, c.req.path, c.get("apiKey")?.scope);
		if (login) metrics.observeLogin(login, loginOutcome(status));
	};
}

/** `GET /metrics`: Prometheus text, to the bearer of the metrics token only. */
export function serveMetrics(metrics: Metrics, token: string): MiddlewareHandler<Env> {
	return async (c) => {
		if (!isMetricsBearer(c.req.header("authorization"), token)) {
			c.header("www-authenticate", 'Bearer realm="metrics"');
			throw new LatchkeyError("AUTH_ERR_INVALID_METRICS_TOKEN", "The metrics token is missing or wrong.");
		}
		return c.body(await metrics.render(), 200, { "content-type": metrics.contentType, "cache-control": "no-store" });
	};
}

const MINT_PATH = /^\/v3(?:\.0)?\/users\/[^/]+\/auth_tokens\/?$/;
const ME_PATH = /^\/v3(?:\.0)?\/me\/?$/;

/**
 * Which login a request is, from its path (a refusal before the route, such as a rate limit, has no route
 * template yet): minting with an Auth Key or a REST API key, or `PUT /me` (login(authToken), and profile updates,
 * which share the route). A mint refused before its key was known counts as an Auth Key login.
 */
function loginMethod(method: string, path: string, scope: string | undefined): LoginMethod | null {
	if (method === "POST" && MINT_PATH.test(path)) return scope === "fullAccess" ? "rest_api_key" : "auth_key";
	if (method === "PUT" && ME_PATH.test(path)) return "auth_token";
	return null;
}

function loginOutcome(status: number): LoginOutcome {
	if (status < 300) return "success";
	if (status === 429) return "throttled";
	return status >= 500 ? "error" : "failure";
}
