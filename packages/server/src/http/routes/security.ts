import { Hono } from "hono";
import { securityOf, updateSecuritySettings } from "../../domain/security.ts";
import type { AppDeps } from "../../web/deps.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { FULL_ACCESS, requireApiKey } from "../middleware/auth.ts";
import { auditedDeps } from "./audit-log.ts";

/** The app's security settings (issue 15): read and changed with a REST API Key only. */
export function securityRoutes(deps: AppDeps): Hono<Env> {
	const router = new Hono<Env>();
	router.use("/security", requireApiKey(deps, FULL_ACCESS));

	router.get("/security", (c) => c.json({ data: securityOf(c.get("app")) }));

	router.put("/security", async (c) => {
		const settings = await updateSecuritySettings(auditedDeps(c, deps), c.get("app"), await readJSONBody(c));
		return c.json({ data: settings });
	});
	refuseOtherMethods(router, "/security", ["GET", "PUT"]);
	return router;
}
