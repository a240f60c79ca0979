import { getApp, listApps } from "../domain/apps.ts";
import type { DomainDeps } from "../domain/deps.ts";
import { LatchkeyError } from "../domain/errors.ts";
import type { AppRecord } from "../store/store.ts";

/** The app a command works on: `--app`, or the only app there is. */
export async function selectApp(deps: DomainDeps, appId: string | undefined): Promise<AppRecord> {
	if (appId) return await getApp(deps, appId);
	const apps = await listApps(deps);
	if (apps.length === 1 && apps[0]) return apps[0];
	throw new LatchkeyError(
		"AUTH_ERR_EMPTY_APPID",
		apps.length === 0
			? "There is no app yet: run `latchkey apps create --name NAME`."
			: "Several apps exist: pass --app APP_ID.",
	);
}
