import { z } from "zod";
import type { ApiKeyRecord, AppRecord, DeletedAppCounts, UserRecord } from "../store/store.ts";
import { generateApiKey } from "./api-keys.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { generateAppId, generateSigningSecret } from "./secrets.ts";
import { DEFAULT_ROLE } from "./users.ts";
import { parseInput } from "./validation.ts";

export const REGIONS = ["us", "eu", "in"] as const;

/** The five users every new app starts with, as in CometChat's older sample data. */
export const SAMPLE_USERS: ReadonlyArray<{ uid: string; name: string; avatar: string }> = [
	{ uid: "superhero1", name: "Iron Man", avatar: "https://data-us.cometchat.io/assets/images/avatars/ironman.png" },
	{
		uid: "superhero2",
		name: "Captain America",
		avatar: "https://data-us.cometchat.io/assets/images/avatars/captainamerica.png",
	},
	{ uid: "superhero3", name: "Spiderman", avatar: "https://data-us.cometchat.io/assets/images/avatars/spiderman.png" },
	{ uid: "superhero4", name: "Wolverine", avatar: "https://data-us.cometchat.io/assets/images/avatars/wolverine.png" },
	{ uid: "superhero5", name: "Cyclops", avatar: "https://data-us.cometchat.io/assets/images/avatars/cyclops.png" },
];

export const createAppSchema = z.object({
	name: z.string().trim().min(1).max(100),
	region: z.enum(REGIONS).default("us"),
	skipSampleData: z.boolean().default(false),
});

export const renameAppSchema = z.object({ name: createAppSchema.shape.name });

/** An app as created: the plaintexts of its two default keys exist only in this value. */
export interface CreatedApp {
	app: AppRecord;
	restApiKey: string;
	authKey: string;
	sampleUsers: UserRecord[];
}

/** The records of a new app and the one-time plaintexts of its keys; nothing stored yet. */
function buildApp(deps: DomainDeps, input: unknown): CreatedApp & { keys: ApiKeyRecord[] } {
	const parsed = parseInput(createAppSchema, input);
	const now = deps.clock.now();
	const app: AppRecord = {
		id: generateAppId(),
		name: parsed.name,
		region: parsed.region,
		jwtSecret: generateSigningSecret(),
		createdAt: now,
	};
	const rest = generateApiKey(app.id, "Rest API Key", "fullAccess", now, { createdBy: "app_system" });
	const auth = generateApiKey(app.id, "Auth Key", "authOnly", now, { createdBy: "app_system" });
	const sampleUsers: UserRecord[] = parsed.skipSampleData
		? []
		: SAMPLE_USERS.map((sample) => ({
				appId: app.id,
				uid: sample.uid,
				name: sample.name,
				avatar: sample.avatar,
				link: null,
				role: DEFAULT_ROLE,
				statusMessage: null,
				metadata: null,
				tags: [],
				isSample: true,
				createdAt: now,
				updatedAt: null,
				deactivatedAt: null,
				lastActiveAt: null,
			}));
	return { app, restApiKey: rest.plaintext, authKey: auth.plaintext, sampleUsers, keys: [rest.key, auth.key] };
}

/**
 * Creates an app with its REST API Key (fullAccess), Auth Key (authOnly) and sample users.
 *
 * @example
 * const { app, restApiKey, authKey } = await createApp(deps, { name: "My app" });
 */
export async function createApp(deps: DomainDeps, input: unknown): Promise<CreatedApp> {
	const { keys, ...created } = buildApp(deps, input);
	await deps.store.insertApp(created.app, keys, created.sampleUsers);
	await deps.events.publish({ type: "app.created", appId: created.app.id });
	return created;
}

/**
 * Creates the deployment's first app, unless any app exists (also one another node created a moment ago).
 *
 * @example
 * const first = await createFirstApp(deps, { name: "My First App" }); // null on later starts
 */
export async function createFirstApp(deps: DomainDeps, input: unknown): Promise<CreatedApp | null> {
	const { keys, ...created } = buildApp(deps, input);
	if (!(await deps.store.insertFirstApp(created.app, keys, created.sampleUsers))) return null;
	await deps.events.publish({ type: "app.created", appId: created.app.id });
	return created;
}

/** The app with this id, or null. On the hot path: the promise is passed through, not awaited again. */
export function findApp(deps: DomainDeps, appId: string): Promise<AppRecord | null> {
	return deps.store.getApp(appId);
}

function appNotFound(appId: string): LatchkeyError {
	return new LatchkeyError("AUTH_ERR_INVALID_APPID", `The appId ${appId} does not exist.`);
}

/** Like findApp, but throws AUTH_ERR_INVALID_APPID. */
export async function getApp(deps: DomainDeps, appId: string): Promise<AppRecord> {
	const app = await findApp(deps, appId);
	if (!app) throw appNotFound(appId);
	return app;
}

/**
 * Gives an app a new name (same rules as at creation); its id, keys and users stay. Throws
 * AUTH_ERR_INVALID_APPID for an unknown app, ERR_BAD_REQUEST for a bad name.
 *
 * @example
 * const app = await renameApp(deps, appId, { name: "Production" });
 */
export async function renameApp(deps: DomainDeps, appId: string, input: unknown): Promise<AppRecord> {
	const { name } = parseInput(renameAppSchema, input);
	const app = await deps.store.renameApp(appId, name);
	if (!app) throw appNotFound(appId);
	await deps.events.publish({ type: "app.updated", appId });
	return app;
}

/**
 * Deletes an app and everything of it (users, auth tokens, API keys) in one transaction, then announces
 * `app.deleted`: every node drops what it cached of the app and closes its sockets. Not undoable. Throws
 * AUTH_ERR_INVALID_APPID for an unknown app.
 *
 * @example
 * const { users, authTokens, apiKeys } = await deleteApp(deps, appId);
 */
export async function deleteApp(deps: DomainDeps, appId: string): Promise<DeletedAppCounts> {
	const deleted = await deps.store.deleteApp(appId);
	if (!deleted) throw appNotFound(appId);
	await deps.events.publish({ type: "app.deleted", appId });
	return deleted;
}

export async function listApps(deps: DomainDeps): Promise<AppRecord[]> {
	return await deps.store.listApps();
}

/** CometChat's Management API: "The default value is 25 and the maximum value is 1000." */
export const DEFAULT_APPS_PER_PAGE = 25;
export const MAX_APPS_PER_PAGE = 1000;

/** A whole number from 1 to `max`, also given as a query string's text; the REST lists' wording (http/query.ts). */
function pageNumber(name: string, max: number) {
	return z.coerce.number().refine((value) => Number.isInteger(value) && value >= 1 && value <= max, {
		message: `The ${name} must be an integer between 1 and ${max}.`,
	});
}

export const searchAppsSchema = z.object({
	searchKey: z.string().max(100).optional(),
	perPage: pageNumber("perPage", MAX_APPS_PER_PAGE).default(DEFAULT_APPS_PER_PAGE),
	page: pageNumber("page", 1_000_000).default(1),
});

/** One page of apps, and how many match in all. */
export interface AppPage {
	apps: AppRecord[];
	total: number;
	perPage: number;
	page: number;
}

/**
 * One page of the apps, oldest first, optionally only those whose id or name contains `searchKey` (any case), as
 * CometChat's `GET /apps` filters. Throws ERR_BAD_REQUEST for a bad `perPage` or `page`.
 *
 * @example
 * const { apps, total } = await searchApps(deps, { searchKey: "prod", perPage: 10 });
 */
export async function searchApps(deps: DomainDeps, input: unknown): Promise<AppPage> {
	const { searchKey, perPage, page } = parseInput(searchAppsSchema, input);
	const needle = searchKey?.toLowerCase() ?? "";
	// A deployment holds an operator's apps, not a tenant's users: filtering the whole list in memory is enough.
	const matching = (await listApps(deps)).filter(
		(app) => app.id.toLowerCase().includes(needle) || app.name.toLowerCase().includes(needle),
	);
	return { apps: matching.slice((page - 1) * perPage, page * perPage), total: matching.length, perPage, page };
}
