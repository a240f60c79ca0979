import { findApp, listApps } from "../domain/apps.ts";
import type { DomainDeps } from "../domain/deps.ts";
import { LatchkeyError } from "../domain/errors.ts";
import type { AppRecord } from "../store/store.ts";
import type { CommandContext } from "./context.ts";

/**
 * The app a command works on: `--app`; else LATCHKEY_APP; else the only app, or with several the first one
 * created (the one the first start made and wrote to credentials.json), so the README's commands keep working
 * once a second app exists.
 */
export async function selectApp(
	deps: DomainDeps,
	context: Pick<CommandContext, "defaultAppId">,
	appId: string | undefined,
): Promise<AppRecord> {
	const chosen = appId ?? context.defaultAppId;
	if (chosen !== undefined) {
		const app = await findApp(deps, chosen);
		if (app) return app;
		const source = appId !== undefined ? "" : " (from LATCHKEY_APP)";
		throw new LatchkeyError("AUTH_ERR_INVALID_APPID", `The appId ${chosen}${source} does not exist.`);
	}
	const [first] = await listApps(deps);
	if (first) return first;
	throw new LatchkeyError("AUTH_ERR_EMPTY_APPID", "There is no app yet: run `latchkey apps create --name NAME`.");
}
