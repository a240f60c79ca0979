import { sql } from "kysely";
import type { KyselyStore } from "../../packages/server/src/store/kysely-store.ts";
import { createDeployment, type Dialect } from "../latchkey-server.ts";
import { measureLoad } from "../load.ts";
import { readRSSBytes } from "../processes.ts";
import { createRow, type HttpRow } from "../results.ts";
import { type SeededToken, seedTokens, seedUsers } from "../seed.ts";
import type { ScenarioContext } from "./context.ts";
import { authKeyLoginTarget, meTarget } from "./rest.ts";

const STEPS = [10_000, 100_000, 1_000_000];
const SMOKE_STEPS = [10_000];
/** Stored tokens per user: a million tokens over 50,000 users, all under the 100-token cap. */
const TOKENS_PER_USER = 20;
/** At least this many users, so the logins of one step never push a user past the cap. */
const MIN_USERS = 5_000;
const PRESENTED_TOKENS = 1_000;

async function countTokens(store: KyselyStore): Promise<number> {
	const row = await store.db
		.selectFrom("auth_tokens")
		.select((eb) => eb.fn.countAll<number | string>().as("count"))
		.executeTakeFirstOrThrow();
	return Number(row.count);
}

/** Folds the WAL back into the main file, so the size reported is the database's, not the seeding's. */
async function checkpoint(dialect: Dialect, store: KyselyStore): Promise<void> {
	if (dialect === "sqlite") await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
	else await sql`vacuum analyze auth_tokens`.execute(store.db);
}

/**
 * The authenticated call and the Auth Key login at 10k, 100k and 1M stored tokens. Tokens are added in bulk
 * through the store between steps with the server stopped; each step starts a fresh server process, so its
 * RSS is what that store size costs.
 */
export async function runGrowthScenarios(dialect: Dialect, context: ScenarioContext): Promise<HttpRow[]> {
	if (!context.isSelected("growth")) return [];
	const deployment = await createDeployment(dialect, {
		...(context.postgresURL && { postgresURL: context.postgresURL }),
		...(context.profileDir && { profileDir: context.profileDir }),
		serverFlags: context.serverFlags,
	});
	const rows: HttpRow[] = [];
	try {
		const appId = deployment.credentials.appId;
		let uids: string[] = [];
		let presented: SeededToken[] = [];
		for (const step of context.smoke ? SMOKE_STEPS : STEPS) {
			const seedingStarted = performance.now();
			const wantedUsers = Math.max(MIN_USERS, Math.ceil(step / TOKENS_PER_USER));
			const stored = await deployment.withStore(async (store) => {
				if (uids.length < wantedUsers) {
					const added = await seedUsers(store, appId, `g${uids.length}_`, wantedUsers - uids.length);
					uids = [...uids, ...added];
				}
				const missing = step - (await countTokens(store));
				if (missing > 0) {
					const seeded = await seedTokens(store, appId, uids, missing, {
						presented: presented.length === 0 ? PRESENTED_TOKENS : 0,
					});
					if (presented.length === 0) presented = seeded;
				}
				await checkpoint(dialect, store);
				return await countTokens(store);
			});
			const databaseBytes = await deployment.databaseBytes();
			context.log(
				`${dialect} growth: ${stored} tokens (seeded in ${Math.round(performance.now() - seedingStarted)} ms)`,
			);
			await deployment.start();
			const server = deployment.server;
			if (!server) throw new Error("server did not start");
			const targets = [
				{ scenario: "growth-me", title: "authenticated call: GET /v3.0/me", target: meTarget(deployment, presented) },
				{
					scenario: "growth-login-auth-key",
					title: "login(uid, authKey): POST /v3.0/users/{uid}/auth_tokens",
					target: authKeyLoginTarget(deployment, uids, deployment.credentials.authKey),
				},
			];
			for (const { scenario, title, target } of targets) {
				const load = await measureLoad({ ...target, url: deployment.baseURL, serverPid: server.pid }, context.settings);
				rows.push(
					createRow(
						{
							scenario,
							title,
							system: "latchkey",
							store: dialect,
							storedTokens: stored,
							load,
							serverRSSBytes: readRSSBytes(server.pid),
							databaseBytes,
						},
						context.baseline,
					),
				);
			}
			await deployment.stop();
		}
	} finally {
		await deployment.destroy();
	}
	return rows;
}
