import { Hono } from "hono";
import { presentUser } from "../../domain/presenters.ts";
import { importUsersRequest } from "../../domain/user-import.ts";
import type { AppDeps } from "../../web/deps.ts";
import { RateLimits } from "../../web/rate-limits.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { errorBody } from "../errors.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { FULL_ACCESS, requireApiKey } from "../middleware/auth.ts";
import { setRateLimitHeaders, tooManyRequests } from "../middleware/rate-limit.ts";
import { auditedDeps } from "./audit-log.ts";

/**
 * CometChat's data import of users (issue 18): `{"users": {"<uid>": {...}}}`, at most 50 a request, 60 requests a
 * minute per app. The answer is 200 whatever became of each user: `data.<key>` is `{success: true, data: user}` or
 * `{success: false, error}` with the error envelope's fields (docs/api.md).
 */
export function dataImportRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();
	const limits = deps.rateLimits ?? new RateLimits();

	router.post("/data_import/users", requireApiKey(deps, FULL_ACCESS), async (c) => {
		const decision = await limits.consumeDataImport(c.get("app").id);
		if (decision) {
			if (!decision.allowed) throw tooManyRequests(c, decision, "dataImport");
			setRateLimitHeaders(c, decision);
		}
		const results = await importUsersRequest(auditedDeps(c, deps), c.get("app").id, await readJSONBody(c));
		// No prototype: a key named "__proto__" is then an ordinary key of the answer.
		const data: Record<string, unknown> = Object.create(null);
		for (const { key, result } of results) {
			data[key] =
				result.outcome === "rejected"
					? { success: false, ...errorBody(result.error) }
					: { success: true, data: presentUser(result.user, { withTags: true }) };
		}
		return c.json({ data });
	});
	refuseOtherMethods(router, "/data_import/users", ["POST"]);

	return router;
}
