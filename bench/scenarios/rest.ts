import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type autocannon from "autocannon";
import { createDeployment, type Dialect, type LatchkeyDeployment } from "../latchkey-server.ts";
import { type LoadTarget, measureLoad } from "../load.ts";
import { readRSSBytes } from "../processes.ts";
import { createRow, type HttpRow, type ServerMemory } from "../results.ts";
import { type SeededToken, seedTokens, seedUsers } from "../seed.ts";
import type { ScenarioContext } from "./context.ts";

/** Users the login scenarios spread over, so nobody reaches the 100-token cap and evicts mid-run. */
const LOGIN_USERS = 5_000;
/** Distinct tokens the authenticated call and login(authToken) rotate through. */
const PRESENTED_TOKENS = 1_000;
/** Logout tokens per user, kept under the 100-token cap. */
const LOGOUT_TOKENS_PER_USER = 50;
/** When no authenticated-call figure exists yet, logout pre-mints for this rate. */
const FALLBACK_RATE = 20_000;
/** Logout pre-mints for at least this rate: a noisy authenticated-call figure must not starve it. */
const MIN_LOGOUT_RATE = 3_000;
/** How long the server sits untouched after start before its "idle after start" RSS is read. */
const SETTLE_AFTER_START_MS = 1_000;
const LOGIN_BODY = JSON.stringify({ platform: "WEB", deviceId: "bench-device" });

interface RestScenario {
	id: string;
	title: string;
	build(deployment: LatchkeyDeployment): Promise<Omit<LoadTarget, "url" | "serverPid">>;
}

/** Each request gets the next item, wrapping around: the same rotation for every connection. */
export function rotate<T>(items: T[]): () => T {
	let next = 0;
	return () => {
		const item = items[next % items.length];
		next++;
		if (item === undefined) throw new Error("rotate() needs at least one item");
		return item;
	};
}

function appHeaders(deployment: LatchkeyDeployment, extra: Record<string, string>): Record<string, string> {
	return { appid: deployment.credentials.appId, "content-type": "application/json", ...extra };
}

/** The authenticated call with a rotating pool of tokens; shared with the growth scenario. */
export function meTarget(deployment: LatchkeyDeployment, tokens: SeededToken[]): Omit<LoadTarget, "url" | "serverPid"> {
	const nextToken = rotate(tokens);
	return {
		method: "GET",
		setupRequest: (request: autocannon.Request) => ({
			...request,
			path: "/v3.0/me",
			headers: appHeaders(deployment, { authtoken: nextToken().plaintext }),
		}),
	};
}

/** login(uid, authKey) spread over many users; shared with the growth scenario. */
export function authKeyLoginTarget(
	deployment: LatchkeyDeployment,
	uids: string[],
	apiKey: string,
): Omit<LoadTarget, "url" | "serverPid"> {
	const nextUid = rotate(uids);
	return {
		method: "POST",
		body: LOGIN_BODY,
		setupRequest: (request: autocannon.Request) => ({
			...request,
			path: `/v3.0/users/${nextUid()}/auth_tokens`,
			headers: appHeaders(deployment, { apikey: apiKey }),
		}),
	};
}

function createScenarios(state: {
	loginUids: string[];
	presented: SeededToken[];
	authenticatedRate: () => number;
	context: ScenarioContext;
}): RestScenario[] {
	const runId = randomBytes(3).toString("hex");
	return [
		{
			id: "me",
			title: "authenticated call: GET /v3.0/me",
			build: async (deployment) => meTarget(deployment, state.presented),
		},
		{
			id: "login-auth-token",
			title: "login(authToken): PUT /v3.0/me",
			build: async (deployment) => {
				const nextToken = rotate(state.presented);
				return {
					method: "PUT",
					body: LOGIN_BODY,
					setupRequest: (request) => ({
						...request,
						path: "/v3.0/me",
						headers: appHeaders(deployment, { authtoken: nextToken().plaintext }),
					}),
				};
			},
		},
		{
			id: "login-auth-key",
			title: "login(uid, authKey): POST /v3.0/users/{uid}/auth_tokens",
			build: async (deployment) => authKeyLoginTarget(deployment, state.loginUids, deployment.credentials.authKey),
		},
		{
			id: "rest-token",
			title: "REST token creation (REST API Key)",
			build: async (deployment) => {
				const target = authKeyLoginTarget(deployment, state.loginUids, deployment.credentials.restApiKey);
				return { ...target, body: "{}" };
			},
		},
		{
			id: "create-user",
			title: "create user: POST /v3.0/users",
			build: async (deployment) => {
				let counter = 0;
				return {
					method: "POST",
					setupRequest: (request) => {
						counter++;
						return {
							...request,
							path: "/v3.0/users",
							headers: appHeaders(deployment, { apikey: deployment.credentials.authKey }),
							body: JSON.stringify({ uid: `new_${runId}_${counter}`, name: `New ${counter}` }),
						};
					},
				};
			},
		},
		{
			id: "logout",
			title: "logout: DELETE /v3.0/me",
			build: async (deployment) => {
				const { warmupSeconds, durationSeconds } = state.context.settings;
				// One token per request and none reused: mint for the fastest plausible rate, with headroom.
				const rate = Math.max(MIN_LOGOUT_RATE, state.authenticatedRate() * 1.5);
				const needed = Math.ceil(rate * (warmupSeconds + durationSeconds)) + 1_000;
				const appId = deployment.credentials.appId;
				const tokens = await deployment.withStore(async (store) => {
					const users = Math.ceil(needed / LOGOUT_TOKENS_PER_USER);
					const uids = await seedUsers(store, appId, `out_${runId}_`, users);
					return await seedTokens(store, appId, uids, needed, { presented: needed });
				});
				state.context.log(`  logout: pre-minted ${needed} tokens`);
				let next = 0;
				return {
					method: "DELETE",
					setupRequest: (request) => {
						// Past the pool a spent token is sent again; its 401 shows up as non-2xx in the figures.
						const token = tokens[Math.min(next, tokens.length - 1)];
						next++;
						return {
							...request,
							path: "/v3.0/me",
							headers: appHeaders(deployment, { authtoken: token?.plaintext ?? "" }),
						};
					},
				};
			},
		},
	];
}

export interface RestResult {
	rows: HttpRow[];
	/** The server's RSS after start and after its last row; null when no row ran. */
	memory: ServerMemory | null;
}

/** The REST scenarios on one dialect, each on the same freshly seeded server process. */
export async function runRestScenarios(dialect: Dialect, context: ScenarioContext): Promise<RestResult> {
	const ids = ["me", "login-auth-token", "login-auth-key", "rest-token", "create-user", "logout"];
	if (!ids.some((id) => context.isSelected(id))) return { rows: [], memory: null };
	const deployment = await createDeployment(dialect, {
		...(context.postgresURL && { postgresURL: context.postgresURL }),
		...(context.profileDir && { profileDir: context.profileDir }),
		serverFlags: context.serverFlags,
	});
	const rows: HttpRow[] = [];
	try {
		const appId = deployment.credentials.appId;
		const { loginUids, presented } = await deployment.withStore(async (store) => {
			const uids = await seedUsers(store, appId, "u", LOGIN_USERS);
			const tokens = await seedTokens(store, appId, uids.slice(0, PRESENTED_TOKENS), PRESENTED_TOKENS, {
				presented: PRESENTED_TOKENS,
			});
			return { loginUids: uids, presented: tokens };
		});
		await deployment.start();
		const server = deployment.server;
		if (!server) throw new Error("server did not start");
		// A measurement of the idle server, not a wait for an event: start-up work (JIT, first GCs) settles.
		await delay(SETTLE_AFTER_START_MS);
		const afterStartBytes = readRSSBytes(server.pid);
		let authenticatedRate = 0;
		const scenarios = createScenarios({
			loginUids,
			presented,
			authenticatedRate: () => (authenticatedRate > 0 ? authenticatedRate : FALLBACK_RATE),
			context,
		});
		for (const scenario of scenarios) {
			if (!context.isSelected(scenario.id)) continue;
			context.log(`${dialect} ${scenario.id}`);
			const target = await scenario.build(deployment);
			const load = await measureLoad({ ...target, url: deployment.baseURL, serverPid: server.pid }, context.settings);
			if (scenario.id === "me") authenticatedRate = load.reqPerSec;
			rows.push(
				createRow(
					{
						scenario: scenario.id,
						title: scenario.title,
						system: "latchkey",
						store: dialect,
						load,
						serverRSSBytes: readRSSBytes(server.pid),
						databaseBytes: await deployment.databaseBytes(),
					},
					context.baseline,
				),
			);
		}
		const last = rows.at(-1);
		const memory = last
			? { store: dialect, afterStartBytes, afterRowsBytes: last.serverRSSBytes, lastRow: last.scenario }
			: null;
		return { rows, memory };
	} finally {
		await deployment.destroy();
	}
}
