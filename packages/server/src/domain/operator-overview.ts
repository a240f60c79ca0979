import type { AppRecord } from "../store/store.ts";
import { getApp } from "./apps.ts";
import type { DomainDeps } from "./deps.ts";

/** The counts on an app's dashboard overview. */
export interface AppOverview {
	app: AppRecord;
	userCount: number;
	authTokenCount: number;
	apiKeyCount: number;
}

/** Throws AUTH_ERR_INVALID_APPID for an unknown app. Deactivated users are not counted. */
export async function getAppOverview(deps: DomainDeps, appId: string): Promise<AppOverview> {
	const app = await getApp(deps, appId);
	const [users, authTokenCount, keys] = await Promise.all([
		deps.store.listUsers(app.id, { limit: 1, offset: 0, searchIn: ["uid", "name"], deactivated: "exclude" }),
		deps.store.countAppAuthTokens(app.id),
		deps.store.listApiKeys(app.id, { limit: 1, offset: 0 }),
	]);
	return { app, userCount: users.total, authTokenCount, apiKeyCount: keys.total };
}
