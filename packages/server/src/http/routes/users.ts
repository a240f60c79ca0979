import { Hono } from "hono";
import { createAuthToken } from "../../domain/auth-tokens.ts";
import { presentPagination, presentUser } from "../../domain/presenters.ts";
import {
	createUser,
	deactivateUsers,
	deleteUser,
	getActiveUser,
	listUsers,
	reactivateUsers,
	updateUser,
} from "../../domain/users.ts";
import type { UserQuery } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { AUTH_OR_FULL, FULL_ACCESS, requireApiKey } from "../middleware/auth.ts";
import { NO_STORE } from "../middleware/security-headers.ts";
import { parseBooleanParam, parseListParam, parsePageParams } from "../query.ts";

export const MAX_USERS_PER_PAGE = 1000;

export function usersRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();

	router.post("/users", requireApiKey(deps, AUTH_OR_FULL), async (c) => {
		const body = await readJSONBody(c);
		const { user, withAuthToken } = await createUser(deps, c.get("app").id, body);
		const token = withAuthToken ? await createAuthToken(deps, user.appId, user.uid, {}) : null;
		const data = presentUser(user, { withTags: true, ...(token && { authToken: token.plaintext }) });
		// With a token the answer carries a secret: no cache may keep it.
		return token ? c.json({ data }, 200, NO_STORE) : c.json({ data });
	});

	router.get("/users", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const page = parsePageParams((name) => c.req.query(name), MAX_USERS_PER_PAGE);
		const searchIn = parseListParam("searchIn", c.req.queries("searchIn") ?? c.req.queries("searchIn[]"))?.filter(
			(field): field is "uid" | "name" => field === "uid" || field === "name",
		);
		const role = c.req.query("role");
		const roles = parseListParam("roles", c.req.queries("roles") ?? c.req.queries("roles[]"));
		const onlyDeactivated = parseBooleanParam(c.req.query("onlyDeactivated"));
		const withDeactivated = parseBooleanParam(c.req.query("withDeactivated"));
		const status = c.req.query("status");
		const query: UserQuery = {
			limit: page.limit,
			offset: page.offset,
			searchIn: searchIn && searchIn.length > 0 ? searchIn : ["uid", "name"],
			deactivated: onlyDeactivated ? "only" : withDeactivated ? "include" : "exclude",
		};
		const searchKey = c.req.query("searchKey");
		if (searchKey) query.searchKey = searchKey;
		const allRoles = [...(role ? [role.toLowerCase()] : []), ...(roles ?? []).map((r) => r.toLowerCase())];
		if (allRoles.length > 0) query.roles = allRoles;
		const tags = parseListParam("tags", c.req.queries("tags") ?? c.req.queries("tags[]"));
		if (tags) query.tags = tags;
		// Presence is not tracked over REST: every user is "offline", so asking for "available" finds none.
		const result = status === "available" ? { items: [], total: 0 } : await listUsers(deps, c.get("app").id, query);
		const withTags = parseBooleanParam(c.req.query("withTags"));
		return c.json({
			data: result.items.map((user) => presentUser(user, { withTags })),
			meta: { pagination: presentPagination(result.total, result.items.length, page.perPage, page.page) },
		});
	});
	router.delete("/users", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const deactivatedUids = await deactivateUsers(deps, c.get("app").id, await readJSONBody(c));
		return c.json({ data: { deactivatedUids } });
	});

	// CometChat documents the answer's key as `nonDeactivatedUids`: the uids that are active again.
	router.put("/users", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const nonDeactivatedUids = await reactivateUsers(deps, c.get("app").id, await readJSONBody(c));
		return c.json({ data: { nonDeactivatedUids } });
	});
	refuseOtherMethods(router, "/users", ["GET", "POST", "PUT", "DELETE"]);

	router.get("/users/:uid", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const user = await getActiveUser(deps, c.get("app").id, c.req.param("uid"));
		return c.json({ data: presentUser(user) });
	});

	router.put("/users/:uid", requireApiKey(deps, AUTH_OR_FULL), async (c) => {
		const body = await readJSONBody(c);
		const user = await updateUser(deps, c.get("app").id, c.req.param("uid"), body);
		return c.json({ data: presentUser(user, { withTags: true }) });
	});

	router.delete("/users/:uid", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const body = await readJSONBody(c);
		const permanent = body.permanent === true;
		const uid = c.req.param("uid").toLowerCase();
		await deleteUser(deps, c.get("app").id, uid, { permanent });
		return c.json({ data: { success: true, message: `User with ${uid} has been deleted successfully.` } });
	});
	refuseOtherMethods(router, "/users/:uid", ["GET", "PUT", "DELETE"]);

	return router;
}
