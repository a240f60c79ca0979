import type { ApiKeyRecord, AppRecord } from "../store/store.ts";
import { MAX_API_KEYS_PER_APP } from "./api-keys.ts";
import { getApp } from "./apps.ts";
import type { DomainDeps } from "./deps.ts";

/** The counts on an app's dashboard overview, and the Auth Key its quick start names. */
export interface AppOverview {
	app: AppRecord;
	userCount: number;
	authTokenCount: number;
	apiKeyCount: number;
	/**
	 * The newest authOnly key that has not expired (the one a client app should use), or null when the app has
	 * none. Its secret is not retrievable: only the id is shown.
	 */
	authKey: ApiKeyRecord | null;
}

/** Throws AUTH_ERR_INVALID_APPID for an unknown app. Deactivated users are not counted. */
export async function getAppOverview(deps: DomainDeps, appId: string): Promise<AppOverview> {
	const app = await getApp(deps, appId);
	const [users, authTokenCount, keys, authKeys] = await Promise.all([
		deps.store.listUsers(app.id, { limit: 1, offset: 0, searchIn: ["uid", "name"], deactivated: "exclude" }),
		deps.store.countAppAuthTokens(app.id),
		deps.store.listApiKeys(app.id, { limit: 1, offset: 0 }),
		// An app holds at most MAX_API_KEYS_PER_APP keys, so one page has them all.
		deps.store.listApiKeys(app.id, { limit: MAX_API_KEYS_PER_APP, offset: 0, scope: "authOnly" }),
	]);
	const now = deps.clock.now();
	const live = authKeys.items.filter((key) => key.expiresAt == null || key.expiresAt > now);
	const authKey = live.reduce<ApiKeyRecord | null>(
		(newest, key) => (newest === null || key.createdAt >= newest.createdAt ? key : newest),
		null,
	);
	return { app, userCount: users.total, authTokenCount, apiKeyCount: keys.total, authKey };
}
