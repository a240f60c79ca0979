import { accessSync, constants, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "./config.ts";
import { type CreatedApp, createFirstApp } from "./domain/apps.ts";
import type { DomainDeps } from "./domain/deps.ts";

/** The file a first start writes, for scripts and for the README walk-through. Mode 0600: it holds keys. */
export interface Credentials {
	appId: string;
	region: string;
	restApiKey: string;
	authKey: string;
	baseURL: string;
}

/** Creates the data dir if needed; a dir that cannot be written is a startup error naming the variable. */
export function prepareDataDir(dataDir: string): void {
	try {
		mkdirSync(dataDir, { recursive: true, mode: 0o700 });
		accessSync(dataDir, constants.W_OK);
	} catch (error) {
		const reason = error instanceof Error && "code" in error ? String(error.code) : "unknown error";
		throw new ConfigError(`LATCHKEY_DATA_DIR ${dataDir} is not a writable directory (${reason})`);
	}
}

/**
 * On a store with no app yet: creates the first app, writes `<dataDir>/credentials.json` and returns
 * the credentials to print once. On later starts returns null and prints nothing secret.
 */
export async function ensureFirstApp(
	deps: DomainDeps,
	options: { dataDir: string; publicURL: string },
): Promise<{ credentials: Credentials; created: CreatedApp } | null> {
	if ((await deps.store.listApps()).length > 0) return null;
	const created = await createFirstApp(deps, { name: "My First App" });
	if (!created) return null;
	const credentials: Credentials = {
		appId: created.app.id,
		region: created.app.region,
		restApiKey: created.restApiKey,
		authKey: created.authKey,
		baseURL: `${options.publicURL.replace(/\/+$/, "")}/v3`,
	};
	writeFileSync(path.join(options.dataDir, "credentials.json"), `${JSON.stringify(credentials, null, 2)}\n`, {
		mode: 0o600,
	});
	return { credentials, created };
}

/** The readable block printed once, at the first start. */
export function formatCredentials(credentials: Credentials, created: CreatedApp, dataDir: string): string {
	const users = created.sampleUsers.map((user) => `${user.uid.toUpperCase()} (${user.name})`).join(", ");
	return [
		"",
		"  Latchkey created your first app. Keep these; the keys are not shown again.",
		"",
		`  App ID        ${credentials.appId}`,
		`  Region        ${credentials.region}`,
		`  REST API Key  ${credentials.restApiKey}   (scope fullAccess: server side only)`,
		`  Auth Key      ${credentials.authKey}   (scope authOnly: login and create users)`,
		`  REST base     ${credentials.baseURL}`,
		`  Sample users  ${users}`,
		"",
		`  Saved to ${path.join(dataDir, "credentials.json")} (mode 0600).`,
		"",
	].join("\n");
}
