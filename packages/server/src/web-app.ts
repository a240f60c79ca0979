import type { Hono } from "hono";
import { createDashboard } from "./dashboard/index.ts";
import { createApp } from "./http/app.ts";
import type { Env } from "./http/context.ts";
import type { AppDeps } from "./web/deps.ts";

/**
 * Everything the server answers over HTTP: the REST API and, beside it, the dashboard under `/dashboard`.
 * The API's access log and body limit are registered for every path, so they cover the dashboard too; its
 * own middlewares (security headers, CSRF, sign-in) run only under `/dashboard`, never for `/v3*`.
 *
 * @example
 * const app = createWebApp({ store, clock: systemClock, events, publicEndpoint, logger });
 * serve({ fetch: app.fetch, port: 3000 });
 */
export function createWebApp(deps: AppDeps): Hono<Env> {
	const app = createApp(deps);
	app.route("/dashboard", createDashboard(deps));
	return app;
}
