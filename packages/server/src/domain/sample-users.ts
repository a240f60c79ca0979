import type { AppRecord, UserRecord } from "../store/store.ts";
import { SAMPLE_USERS } from "./apps.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { securityOf } from "./security.ts";

/**
 * Production mode's hold on the sample users (issue 15): SUPERHERO1–5, made with the app and known to anyone who
 * read CometChat's docs, cannot log in while the app is in production mode. A user of the same uid created later
 * is not a sample user. To use one anyway: turn production mode off, or delete it and create your own.
 */
const SAMPLE_UIDS: ReadonlySet<string> = new Set(SAMPLE_USERS.map((sample) => sample.uid));

/** Whether `user` is one of the sample users the app was created with. */
export function isSampleUser(app: AppRecord, user: UserRecord): boolean {
	return SAMPLE_UIDS.has(user.uid) && user.createdAt === app.createdAt;
}

/** Throws 403 AUTH_ERR_NO_ACCESS when `uid` is a sample user of an app in production mode; costs nothing otherwise. */
export async function assertMayLogIn(deps: DomainDeps, appId: string, uid: string): Promise<void> {
	if (!SAMPLE_UIDS.has(uid)) return;
	const app = await deps.store.getApp(appId);
	if (!app || !securityOf(app).productionMode) return;
	const user = await deps.store.getUser(appId, uid);
	if (user && isSampleUser(app, user)) {
		throw new LatchkeyError(
			"AUTH_ERR_NO_ACCESS",
			`The sample user ${uid} cannot log in while the app is in production mode: delete it, or turn production mode off.`,
			{ reason: "sampleUser" },
		);
	}
}

/** Ends every session of the app's sample users (when production mode is turned on). */
export async function endSampleUserSessions(deps: DomainDeps, app: AppRecord): Promise<void> {
	for (const uid of SAMPLE_UIDS) {
		const user = await deps.store.getUser(app.id, uid);
		if (!user || !isSampleUser(app, user)) continue;
		const tokenIds = await deps.store.deleteUserAuthTokens(app.id, uid);
		await deps.events.publish({ type: "token.revoked", appId: app.id, uid, tokenIds, reason: "revoked" });
	}
}
