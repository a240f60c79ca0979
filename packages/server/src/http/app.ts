import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { LatchkeyError } from "../domain/errors.ts";
import type { AppDeps } from "../web/deps.ts";
import { RateLimits } from "../web/rate-limits.ts";
import { collectAnswerHeaders } from "./answer-headers.ts";
import type { Env } from "./context.ts";
import { errorResponse, internalError } from "./errors.ts";
import { managementRoutes } from "./management/routes.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";
import { accessLog, redactPath } from "./middleware/access-log.ts";
import { resolveApp } from "./middleware/auth.ts";
import { apiCORS } from "./middleware/cors.ts";
import { recordMetrics, serveMetrics } from "./middleware/metrics.ts";
import { limitAppRequests } from "./middleware/rate-limit.ts";
import { requestId, requestIdOf } from "./middleware/request-id.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { openAPIRoutes } from "./openapi/routes.ts";
import { apiKeysRoutes } from "./routes/api-keys.ts";
import { auditLogRoutes } from "./routes/audit-log.ts";
import { authTokensRoutes, tokenPathMethods } from "./routes/auth-tokens.ts";
import { dataImportRoutes } from "./routes/data-import.ts";
import { identityProvidersRoutes } from "./routes/identity-providers.ts";
import { meRoutes } from "./routes/me.ts";
import { securityRoutes } from "./routes/security.ts";
import { usersRoutes } from "./routes/users.ts";
import { webhooksRoutes } from "./routes/webhooks.ts";

/** CometChat: "The API limit for the POST request length is 10 KB." */
export const MAX_BODY_BYTES = 10 * 1024;

/**
 * The REST API (`/v3`, `/v3.0`, `/healthz`) as a `fetch(Request) → Response` app, with its access log, body
 * limit and error envelope. Everything it needs comes in `deps`. The server mounts the dashboard beside it
 * (src/web-app.ts).
 *
 * @example
 * const app = createApp({ store, clock: systemClock, events, publicEndpoint, logger });
 * const res = await app.request("/healthz");
 */
export function createApp(appDeps: AppDeps): Hono<Env> {
	// One set of limits for every route (the server passes the node's own, shared with the realtime hub).
	const deps: AppDeps = { ...appDeps, rateLimits: appDeps.rateLimits ?? new RateLimits() };
	const app = new Hono<Env>();

	// Off unless configured: then first, so the time covers the whole request.
	if (deps.metrics) app.use("*", recordMetrics(deps.metrics.registry));
	// Outermost after the metrics: the headers the middlewares below collect reach every answer, errors included.
	app.use("*", collectAnswerHeaders());
	app.use("*", requestId());
	app.use("*", securityHeaders({ tls: deps.tls ?? false }));
	// CORS for the API the SDKs call from browsers; the dashboard is same-origin only.
	const cors = apiCORS();
	app.use("/v3/*", cors);
	app.use("/v3.0/*", cors);
	// The access log is decided once, at start-up: a silent server pays nothing per request for it.
	if (deps.logger.isLevelEnabled("info")) app.use("*", accessLog(deps.logger));
	const tooLarge = (c: Context<Env>): LatchkeyError => {
		// The unread rest of the body would otherwise be taken for the next request on a kept-alive connection (or
		// the connection cut under it): announce the close, so a client or proxy opens a fresh one (issue 12).
		c.header("connection", "close");
		return new LatchkeyError(
			"ERR_PAYLOAD_TOO_LARGE",
			`The request body may not be larger than ${MAX_BODY_BYTES / 1024} KB.`,
			{
				maxBytes: MAX_BODY_BYTES,
			},
		);
	};
	const limitStreamedBody = bodyLimit({
		maxSize: MAX_BODY_BYTES,
		onError: (c) => {
			throw tooLarge(c);
		},
	});
	// Only methods with a body are limited: a GET or HEAD passes no middleware for it.
	app.on(["POST", "PUT", "DELETE", "PATCH"], "*", async (c, next) => {
		// A declared length is checked before anything is read, and Node's parser reads no more than it declares, so
		// the route may read the body directly. Only a body of unknown length (chunked) is counted as it streams,
		// which makes the Node adapter build a full Request.
		const declared = c.req.header("content-length");
		if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
			if (Number(declared) > MAX_BODY_BYTES) throw tooLarge(c);
			return await next();
		}
		return await limitStreamedBody(c, next);
	});

	app.get("/healthz", (c) => c.json({ data: { status: "ok" } }));
	if (deps.metrics) app.get("/metrics", serveMetrics(deps.metrics.registry, deps.metrics.token));

	// CometChat's Management API (`/apps`, as on its apimgmt host), with the server-wide key + secret; off unless
	// configured, then answered before and without any appid.
	if (deps.management) app.route("/", managementRoutes(deps, deps.management));

	// The API's description is public: registered before the API, it is answered before the app id is looked up.
	for (const prefix of ["/v3", "/v3.0"]) app.route(prefix, openAPIRoutes());
	const v3 = new Hono<Env>();
	v3.use("*", resolveApp(deps));
	v3.use("*", limitAppRequests(deps.rateLimits as RateLimits));
	v3.route("/", usersRoutes(deps));
	v3.route("/", authTokensRoutes(deps));
	v3.route("/", apiKeysRoutes(deps));
	v3.route("/", meRoutes(deps));
	v3.route("/", securityRoutes(deps));
	v3.route("/", auditLogRoutes(deps));
	v3.route("/", webhooksRoutes(deps));
	v3.route("/", identityProvidersRoutes(deps));
	v3.route("/", dataImportRoutes(deps));
	// The REST docs say /v3; the SDK says /v3.0. Both are the same API.
	app.route("/v3", v3);
	app.route("/v3.0", v3);

	app.notFound((c) => {
		// A token's path exists for other methods (routes/auth-tokens.ts says why POST is not routed there).
		const allowed = tokenPathMethods(c.req.method, c.req.path);
		if (allowed) return errorResponse(c, methodNotAllowed(c, allowed));
		return errorResponse(
			c,
			new LatchkeyError("ERR_API_NOT_FOUND", `The endpoint ${c.req.method} ${redactPath(c.req.path)} does not exist.`),
		);
	});
	app.onError((error, c) => {
		if (error instanceof LatchkeyError) return errorResponse(c, error);
		deps.logger.error({ err: error, reqId: requestIdOf(c.req.raw), method: c.req.method }, "unhandled error");
		return errorResponse(c, internalError());
	});
	return app;
}
