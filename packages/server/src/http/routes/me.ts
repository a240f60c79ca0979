import { type Context, Hono } from "hono";
import { touchSession } from "../../domain/auth-tokens.ts";
import { buildAppSettings, logout, putMe, renderMeBody } from "../../domain/me.ts";
import { maskCredential } from "../../domain/secrets.ts";
import { endOwnSession, endOwnSessions, listOwnSessions, presentSession } from "../../domain/sessions.ts";
import type { AppDeps } from "../../web/deps.ts";
import { respond } from "../answer-headers.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { requireSession, throttleTokenLogin } from "../middleware/auth.ts";
import { requestAddress } from "../middleware/rate-limit.ts";
import { NO_STORE } from "../middleware/security-headers.ts";
import { auditedDeps, auditLoginFailures } from "./audit-log.ts";

// The answer carries the session's token and realtime JWT: no cache may keep it.
const ME_HEADERS = { "content-type": "application/json", ...NO_STORE };

/** The client-host endpoints the official SDK calls with its `authToken` header. */
export function meRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();
	/** The client's address, recorded as the token's last use ("my devices"); nothing when the socket has none. */
	const use = (c: Context<Env>): { ip?: string } => {
		const ip = requestAddress(c, deps);
		return ip === "unknown" ? {} : { ip };
	};
	// login(authToken) fails at the session check, before the route: recorded as login.failed (method authToken).
	// Registered first so it sees that refusal; only PUT, so GET /me pays nothing.
	router.put("/me", auditLoginFailures(deps, "authToken"));
	// "/me/*" also matches "/me" itself: listing both would verify the session twice per request.
	for (const path of ["/me/*", "/settings", "/user_sessions"]) router.use(path, requireSession(deps));

	router.get("/me", async (c) => {
		const session = c.get("session");
		await touchSession(deps, session, use(c));
		return respond(
			c,
			renderMeBody(c.get("app"), session, session.user, c.get("authToken"), deps.publicEndpoint),
			200,
			ME_HEADERS,
		);
	});

	// Both login(authToken) and updateCurrentUserDetails(user) arrive here; the body tells them apart.
	router.put("/me", throttleTokenLogin(deps), async (c) => {
		const session = c.get("session");
		await touchSession(deps, session, use(c));
		const user = await putMe(auditedDeps(c, deps), session, await readJSONBody(c));
		return respond(
			c,
			renderMeBody(c.get("app"), session, user, c.get("authToken"), deps.publicEndpoint),
			200,
			ME_HEADERS,
		);
	});

	router.delete("/me", async (c) => {
		await logout(auditedDeps(c, deps), c.get("session"));
		return c.json({ data: { success: true, message: "The user has been logged out successfully." } });
	});
	refuseOtherMethods(router, "/me", ["GET", "PUT", "DELETE"]);

	// "My devices" (issue 15): the caller's own tokens, listed and ended with the caller's own token.
	router.get("/me/sessions", async (c) => {
		const session = c.get("session");
		await touchSession(deps, session, use(c));
		const tokens = await listOwnSessions(deps, c.get("app"), session);
		return c.json({ data: tokens.map((token) => presentSession(token, session)) }, 200, NO_STORE);
	});

	router.delete("/me/sessions", async (c) => {
		const revoked = await endOwnSessions(auditedDeps(c, deps), c.get("session"), await readJSONBody(c));
		return c.json({ data: { revoked } });
	});
	refuseOtherMethods(router, "/me/sessions", ["GET", "DELETE"]);

	router.delete("/me/sessions/:id", async (c) => {
		const token = await endOwnSession(auditedDeps(c, deps), c.get("session"), c.req.param("id"));
		return c.json({
			data: { success: true, message: `The session ${maskCredential(token.id)} has been ended successfully.` },
		});
	});
	refuseOtherMethods(router, "/me/sessions/:id", ["DELETE"]);

	router.get("/settings", (c) => c.json({ data: buildAppSettings(c.get("app"), deps.publicEndpoint) }));
	refuseOtherMethods(router, "/settings", ["GET"]);

	// Telemetry the SDK posts 5 s after login; an error answer would crash it, so it is acknowledged as sent.
	router.post("/user_sessions", async (c) => {
		const body = await readJSONBody(c);
		const sessionId = typeof body.sessionId === "string" ? body.sessionId.slice(0, 200) : "";
		return c.json({ data: { sessionId } });
	});
	refuseOtherMethods(router, "/user_sessions", ["POST"]);

	return router;
}
