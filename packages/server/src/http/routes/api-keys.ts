import { Hono } from "hono";
import {
	createApiKey,
	deleteApiKey,
	getApiKey,
	listApiKeys,
	rotateApiKey,
	updateApiKey,
} from "../../domain/api-keys.ts";
import { presentApiKey, presentPagination } from "../../domain/presenters.ts";
import { maskCredential } from "../../domain/secrets.ts";
import type { ApiKeyQuery } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { FULL_ACCESS, requireApiKey } from "../middleware/auth.ts";
import { NO_STORE } from "../middleware/security-headers.ts";
import { parsePageParams } from "../query.ts";
import { auditedDeps } from "./audit-log.ts";

export const MAX_API_KEYS_PER_PAGE = 100;

export function apiKeysRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();
	// "/apikeys/*" also matches "/apikeys" itself: one registration checks the key once per request.
	router.use("/apikeys/*", requireApiKey(deps, FULL_ACCESS));

	router.post("/apikeys", async (c) => {
		const { key, plaintext } = await createApiKey(auditedDeps(c, deps), c.get("app").id, await readJSONBody(c));
		return c.json({ data: presentApiKey(key, plaintext) }, 200, NO_STORE);
	});

	router.get("/apikeys", async (c) => {
		const page = parsePageParams((name) => c.req.query(name), MAX_API_KEYS_PER_PAGE);
		const query: ApiKeyQuery = { limit: page.limit, offset: page.offset };
		const scope = c.req.query("scope");
		if (scope === "fullAccess" || scope === "authOnly") query.scope = scope;
		const searchKey = c.req.query("searchKey");
		if (searchKey) query.searchKey = searchKey;
		const result = await listApiKeys(deps, c.get("app").id, query);
		return c.json({
			data: result.items.map((key) => presentApiKey(key)),
			meta: { pagination: presentPagination(result.total, result.items.length, page.perPage, page.page) },
		});
	});
	refuseOtherMethods(router, "/apikeys", ["GET", "POST"]);

	router.get("/apikeys/:apiKey", async (c) => {
		return c.json({ data: presentApiKey(await getApiKey(deps, c.get("app").id, c.req.param("apiKey"))) });
	});

	router.put("/apikeys/:apiKey", async (c) => {
		const body = await readJSONBody(c);
		const key = await updateApiKey(auditedDeps(c, deps), c.get("app").id, c.req.param("apiKey"), body, c.get("apiKey"));
		return c.json({ data: presentApiKey(key) });
	});

	router.delete("/apikeys/:apiKey", async (c) => {
		const key = await deleteApiKey(auditedDeps(c, deps), c.get("app").id, c.req.param("apiKey"), c.get("apiKey"));
		return c.json({
			data: { success: true, message: `The Api Key ${maskCredential(key.id)} has been deleted successfully.` },
		});
	});
	refuseOtherMethods(router, "/apikeys/:apiKey", ["GET", "PUT", "DELETE"]);

	// A key may rotate itself (unlike update and delete): a backend replaces its own key this way.
	router.post("/apikeys/:apiKey/rotate", async (c) => {
		const body = await readJSONBody(c);
		const { key, plaintext } = await rotateApiKey(auditedDeps(c, deps), c.get("app").id, c.req.param("apiKey"), body);
		return c.json({ data: presentApiKey(key, plaintext) }, 200, NO_STORE);
	});
	refuseOtherMethods(router, "/apikeys/:apiKey/rotate", ["POST"]);

	return router;
}
