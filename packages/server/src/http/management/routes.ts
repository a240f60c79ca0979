import { Hono } from "hono";
import type { ManagementCredentials } from "../../config.ts";
import { type CreatedApp, createApp, deleteApp, getApp, renameApp, searchApps } from "../../domain/apps.ts";
import { toUnixSeconds } from "../../domain/clock.ts";
import { LatchkeyError } from "../../domain/errors.ts";
import { presentPagination } from "../../domain/presenters.ts";
import type { AppRecord } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { requireManagementCredentials } from "./auth.ts";

/**
 * An app on the Management API: CometChat's `id`, `name`, `region`, `createdAt`, and `state` (always "active":
 * a deleted app is gone, not archived). CometChat's plan, trial and owner fields have no meaning here.
 */
function presentManagedApp(app: AppRecord): Record<string, unknown> {
	return { id: app.id, name: app.name, region: app.region, state: "active", createdAt: toUnixSeconds(app.createdAt) };
}

/** CometChat's create answer: the app and its two default keys, keyed by value; the only time the values are shown. */
function presentCreatedApp(created: CreatedApp): Record<string, unknown> {
	const keys = [
		{ apiKey: created.restApiKey, name: "Rest API Key", scope: "fullAccess", createdBy: "app_system" },
		{ apiKey: created.authKey, name: "Auth Key", scope: "authOnly", createdBy: "app_system" },
	];
	return { ...presentManagedApp(created.app), apiKeys: Object.fromEntries(keys.map((key) => [key.apiKey, key])) };
}

/** The domain says AUTH_ERR_INVALID_APPID (what a REST caller gets); here the app is the resource, so 404. */
async function orAppNotFound<T>(appId: string, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if (error instanceof LatchkeyError && error.code === "AUTH_ERR_INVALID_APPID") {
			throw new LatchkeyError("ERR_APP_NOT_FOUND", `The app ${appId} does not exist.`);
		}
		throw error;
	}
}

/**
 * CometChat's Management API at the server's root (`/apps`, as on `apimgmt.cometchat.io`): create, list, get,
 * rename and delete apps, with the server-wide `key` + `secret`. The same domain functions as the CLI's `apps`
 * commands and the dashboard's apps page; deleting announces `app.deleted`, which closes the app's sockets.
 */
export function managementRoutes(deps: AppDeps, credentials: ManagementCredentials): Hono<Env> {
	const router = new Hono<Env>();
	// "/apps/*" also matches "/apps": one registration checks every request, before its method or path is judged.
	router.use("/apps/*", async (c, next) => {
		// Answers may hold key values (create) and always describe the deployment: no cache keeps them.
		c.header("cache-control", "no-store");
		await next();
	});
	router.use("/apps/*", requireManagementCredentials(deps, credentials));

	router.post("/apps", async (c) => {
		const created = await createApp(deps, await readJSONBody(c));
		return c.json({ data: presentCreatedApp(created) });
	});

	router.get("/apps", async (c) => {
		const query: Record<string, string> = {};
		for (const name of ["searchKey", "perPage", "page"]) {
			const value = c.req.query(name);
			if (value !== undefined) query[name] = value;
		}
		const found = await searchApps(deps, query);
		return c.json({
			data: found.apps.map(presentManagedApp),
			meta: { pagination: presentPagination(found.total, found.apps.length, found.perPage, found.page) },
		});
	});
	refuseOtherMethods(router, "/apps", ["GET", "POST"]);

	router.get("/apps/:appId", async (c) => {
		const appId = c.req.param("appId");
		return c.json({ data: presentManagedApp(await orAppNotFound(appId, () => getApp(deps, appId))) });
	});

	router.put("/apps/:appId", async (c) => {
		const appId = c.req.param("appId");
		const body = await readJSONBody(c);
		return c.json({ data: presentManagedApp(await orAppNotFound(appId, () => renameApp(deps, appId, body))) });
	});

	router.delete("/apps/:appId", async (c) => {
		const appId = c.req.param("appId");
		await orAppNotFound(appId, () => deleteApp(deps, appId));
		// CometChat archives first and answers when deletion is scheduled; here the app is gone already, so the time
		// is now.
		return c.json({ data: { success: true, scheduledToDeleteAt: toUnixSeconds(deps.clock.now()) } });
	});
	refuseOtherMethods(router, "/apps/:appId", ["GET", "PUT", "DELETE"]);

	return router;
}
