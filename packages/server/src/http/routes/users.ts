import { Hono } from "hono";
import { createAuthToken } from "../../domain/auth-tokens.ts";
import { getClientUserFields } from "../../domain/client-user-fields.ts";
import type { PresenceStatus } from "../../domain/presence.ts";
import { presentClientUser, presentPagination, presentUser } from "../../domain/presenters.ts";
import { assertAuthKeyAllowed } from "../../domain/security.ts";
import {
	createUser,
	deactivateUsers,
	deleteUser,
	getActiveUserWithPresence,
	listUsersWithPresence,
	normalizeUid,
	reactivateUsers,
	updateUser,
} from "../../domain/users.ts";
import type { UserQuery } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import {
	AUTH_OR_FULL,
	FULL_ACCESS,
	readingSession,
	requireApiKey,
	requireApiKeyOrSession,
} from "../middleware/auth.ts";
import { NO_STORE } from "../middleware/security-headers.ts";
import { parseBooleanParam, parseListParam, parsePageParams } from "../query.ts";
import { auditedDeps } from "./audit-log.ts";

export const MAX_USERS_PER_PAGE = 1000;
/** A client's page (the SDK's UsersRequest allows at most 100 too). */
export const MAX_CLIENT_USERS_PER_PAGE = 100;

/** The SDK sends `available` for CometChat.USER_STATUS.ONLINE and `offline` for OFFLINE; anything else: no filter. */
function parseStatusParam(value: string | undefined): PresenceStatus | null {
	if (value === "available" || value === "online") return "online";
	if (value === "offline") return "offline";
	return null;
}

export function usersRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();

	router.post("/users", requireApiKey(deps, AUTH_OR_FULL), async (c) => {
		const body = await readJSONBody(c);
		if (c.get("apiKey").scope === "authOnly") {
			// The Auth Key guardrails (issue 15) for the uid the body names; a body without one names "".
			const uid = (body as { uid?: unknown } | null)?.uid;
			assertAuthKeyAllowed(c.get("app"), {
				uid: typeof uid === "string" ? uid.toLowerCase() : "",
				origin: c.req.header("origin") ?? null,
			});
		}
		const audited = auditedDeps(c, deps);
		const { user, withAuthToken } = await createUser(audited, c.get("app").id, body);
		const token = withAuthToken ? await createAuthToken(audited, user.appId, user.uid, {}) : null;
		const data = presentUser(user, { withTags: true, ...(token && { authToken: token.plaintext }) });
		// With a token the answer carries a secret: no cache may keep it.
		return token ? c.json({ data }, 200, NO_STORE) : c.json({ data });
	});

	// An API key reads every user and field; a logged-in client (the SDK's UsersRequest) reads active users only,
	// with the fields its app shows to clients (docs/api.md "GET /users").
	router.get("/users", requireApiKeyOrSession(deps, FULL_ACCESS), async (c) => {
		const session = readingSession(c);
		const page = parsePageParams((name) => c.req.query(name), session ? MAX_CLIENT_USERS_PER_PAGE : MAX_USERS_PER_PAGE);
		const list = (name: string): string[] | undefined =>
			parseListParam(name, c.req.queries(name) ?? c.req.queries(`${name}[]`));
		const searchIn = list("searchIn")?.filter((field): field is "uid" | "name" => field === "uid" || field === "name");
		const onlyDeactivated = !session && parseBooleanParam(c.req.query("onlyDeactivated"));
		const withDeactivated = !session && parseBooleanParam(c.req.query("withDeactivated"));
		const query: UserQuery = {
			limit: page.limit,
			offset: page.offset,
			searchIn: searchIn && searchIn.length > 0 ? searchIn : ["uid", "name"],
			deactivated: onlyDeactivated ? "only" : withDeactivated ? "include" : "exclude",
		};
		const searchKey = c.req.query("searchKey");
		if (searchKey) query.searchKey = searchKey;
		const role = c.req.query("role");
		const allRoles = [...(role ? [role] : []), ...(list("roles") ?? [])].map((r) => r.toLowerCase());
		if (allRoles.length > 0) query.roles = allRoles;
		const tags = list("tags");
		if (tags) query.tags = tags;
		const uids = list("uids");
		// A uid that can never exist matches nobody rather than failing the list.
		if (uids) query.uids = uids.map((uid) => normalizeUid(uid) ?? "").filter(Boolean);
		const status = parseStatusParam(c.req.query("status"));
		const appId = c.get("app").id;
		const result = await listUsersWithPresence(deps, appId, query, status ? { status } : {});
		const withTags = parseBooleanParam(c.req.query("withTags"));
		const fields = session ? getClientUserFields(c.get("app")) : null;
		return c.json({
			data: result.items.map((user) => {
				const options = { withTags, status: result.status.get(user.uid) ?? "offline" };
				return fields ? presentClientUser(user, fields, options) : presentUser(user, options);
			}),
			meta: { pagination: presentPagination(result.total, result.items.length, page.perPage, page.page) },
		});
	});
	router.delete("/users", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const deactivatedUids = await deactivateUsers(auditedDeps(c, deps), c.get("app").id, await readJSONBody(c));
		return c.json({ data: { deactivatedUids } });
	});

	// CometChat documents the answer's key as `nonDeactivatedUids`: the uids that are active again.
	router.put("/users", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const nonDeactivatedUids = await reactivateUsers(auditedDeps(c, deps), c.get("app").id, await readJSONBody(c));
		return c.json({ data: { nonDeactivatedUids } });
	});
	refuseOtherMethods(router, "/users", ["GET", "POST", "PUT", "DELETE"]);

	router.get("/users/:uid", requireApiKeyOrSession(deps, FULL_ACCESS), async (c) => {
		const { user, status } = await getActiveUserWithPresence(deps, c.get("app").id, c.req.param("uid"));
		const data = readingSession(c)
			? presentClientUser(user, getClientUserFields(c.get("app")), { status })
			: presentUser(user, { status });
		return c.json({ data });
	});

	router.put("/users/:uid", requireApiKey(deps, AUTH_OR_FULL), async (c) => {
		const body = await readJSONBody(c);
		const user = await updateUser(auditedDeps(c, deps), c.get("app").id, c.req.param("uid"), body);
		return c.json({ data: presentUser(user, { withTags: true }) });
	});

	router.delete("/users/:uid", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const body = await readJSONBody(c);
		const permanent = body.permanent === true;
		const uid = c.req.param("uid").toLowerCase();
		await deleteUser(auditedDeps(c, deps), c.get("app").id, uid, { permanent });
		return c.json({ data: { success: true, message: `User with ${uid} has been deleted successfully.` } });
	});
	refuseOtherMethods(router, "/users/:uid", ["GET", "PUT", "DELETE"]);

	return router;
}
