import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { LatchkeyError } from "../domain/errors.ts";
import { requestIdOf } from "../http/middleware/request-id.ts";
import type { AppDeps } from "../web/deps.ts";
import { CONFIRM_SCRIPT } from "./confirm-script.ts";
import { renderErrorPage, showError } from "./errors.ts";
import { SECURITY_HEADERS } from "./layout.ts";
import { appsPages } from "./pages/apps.ts";
import { auditPages } from "./pages/audit.ts";
import { authPages } from "./pages/auth.ts";
import { keysPages } from "./pages/keys.ts";
import { operatorsPages } from "./pages/operators.ts";
import { securityPages } from "./pages/security.ts";
import { userPages } from "./pages/user.ts";
import { usersPages } from "./pages/users.ts";
import { csrfRefusedPage, type DashboardEnv, requireCSRFToken, requireOperator } from "./session.ts";
import { FAVICON_SVG, STYLESHEET } from "./style.ts";

const ERROR_TITLES: Readonly<Record<number, string>> = {
	400: "Check the request",
	401: "Not allowed",
	403: "Not allowed",
	404: "Not found",
	429: "Too many requests",
};

/**
 * The admin console, mounted at `/dashboard`: server-rendered pages over the same domain functions as
 * the REST API. Every state-changing request passes two CSRF checks: `hono/csrf`'s origin check and the
 * session's token in a hidden field.
 *
 * @example
 * app.route("/dashboard", createDashboard(deps));
 */
export function createDashboard(deps: AppDeps): Hono<DashboardEnv> {
	const dashboard = new Hono<DashboardEnv>();
	const publicOrigin = deps.dashboard?.publicURL ? new URL(deps.dashboard.publicURL).origin : null;

	dashboard.use("*", async (c, next) => {
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
		// The id the server gave the request; this app answers on its own, so it repeats the header.
		const id = requestIdOf(c.req.raw);
		if (id) c.header("x-request-id", id);
		await next();
	});
	// Behind a proxy the request URL may be internal, so the public URL's origin is accepted too.
	dashboard.use("*", csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin || origin === publicOrigin }));

	dashboard.get("/style.css", (c) => {
		c.header("Cache-Control", "public, max-age=3600");
		return c.body(STYLESHEET, 200, { "Content-Type": "text/css; charset=utf-8" });
	});
	dashboard.get("/confirm.js", (c) => {
		c.header("Cache-Control", "public, max-age=3600");
		return c.body(CONFIRM_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8" });
	});
	for (const name of ["/favicon.svg", "/favicon.ico"]) {
		dashboard.get(name, (c) => {
			c.header("Cache-Control", "public, max-age=86400");
			return c.body(FAVICON_SVG, 200, { "Content-Type": "image/svg+xml" });
		});
	}
	dashboard.route("/", authPages(deps));

	dashboard.use("*", requireOperator(deps));
	dashboard.use("*", requireCSRFToken());
	dashboard.route("/", appsPages(deps));
	dashboard.route("/", usersPages(deps));
	dashboard.route("/", userPages(deps));
	dashboard.route("/", keysPages(deps));
	dashboard.route("/", securityPages(deps));
	dashboard.route("/", operatorsPages(deps));
	dashboard.route("/", auditPages(deps));
	dashboard.all("*", (c) => {
		// `/dashboard/apps/` means `/dashboard/apps`; the path is this origin's, so the redirect stays here.
		if (c.req.method === "GET" && c.req.path.length > 1 && c.req.path.endsWith("/")) {
			return c.redirect(c.req.path.replace(/\/+$/, ""), 301);
		}
		return c.html(renderErrorPage(c.get("operatorSession"), "Not found", "There is no page at this address."), 404);
	});

	dashboard.onError((error, c) => {
		if (error instanceof HTTPException) {
			return error.status === 403 ? c.html(csrfRefusedPage(), 403) : error.getResponse();
		}
		const session = c.get("operatorSession") ?? null;
		const shown = showError(error);
		// The REST API answers an unknown app 401 (CometChat's AUTH_ERR_INVALID_APPID); a page of it is simply not there.
		if (error instanceof LatchkeyError && error.code === "AUTH_ERR_INVALID_APPID") {
			return c.html(renderErrorPage(session, "App not found", error.message), 404);
		}
		if (shown) {
			return c.html(renderErrorPage(session, ERROR_TITLES[shown.status] ?? "Error", shown.message), shown.status);
		}
		deps.logger.error(
			{ err: error, reqId: requestIdOf(c.req.raw), method: c.req.method, path: c.req.path },
			"dashboard error",
		);
		return c.html(
			renderErrorPage(
				session,
				"Something went wrong",
				"Something went wrong on our side; the server log has the details.",
			),
			500,
		);
	});
	return dashboard;
}
