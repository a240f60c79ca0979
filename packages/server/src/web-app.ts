import { Hono } from "hono";
import { createDashboard } from "./dashboard/index.ts";
import { FAVICON_SVG } from "./dashboard/style.ts";
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
	// Mounted with its own router rather than merged into the API's: the dashboard's routes with several parameters
	// (`/apps/:appId/users/:uid/...`) are beyond Hono's RegExpRouter, and merged they would move every API request
	// onto the slower TrieRouter. The request reaches the dashboard unchanged (path included).
	const dashboard = new Hono<Env>().route("/dashboard", createDashboard(deps));
	app.mount("/dashboard", dashboard.fetch, { replaceRequest: false });
	// Browsers ask for /favicon.ico on their own, whatever they show: the dashboard's icon, not the API's 404. A static
	// path, so the API stays on the RegExpRouter (test/web-app.test.ts).
	app.get("/favicon.ico", (c) => {
		c.header("Cache-Control", "public, max-age=604800");
		return c.body(FAVICON_SVG, 200, { "Content-Type": "image/svg+xml" });
	});
	return app;
}
