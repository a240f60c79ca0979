import { createDeployment, type LatchkeyDeployment } from "../latchkey-server.ts";
import type { CrossNodeResult } from "../results.ts";
import { type SeededToken, seedTokens, seedUsers } from "../seed.ts";
import type { ScenarioContext } from "./context.ts";
import { percentile } from "./stats.ts";

const FULL_TOKENS = 300;
const SMOKE_TOKENS = 20;
/** Polling B for one token gives up after this long; the token counts as not seen within the bound. */
const BOUND_MS = 2_000;
/**
 * After this many tokens missed the bound the scenario stops early: a node that never hears revocations would
 * otherwise cost the bound for every remaining token.
 */
const MAX_MISSES = 20;

export const NOT_APPLICABLE_ON_SQLITE =
	"not applicable on SQLite (one server process per database file, no second node); set DATABASE_URL to run it";

interface Answer {
	status: number;
	at: number;
}

async function getMe(baseURL: string, appId: string, token: SeededToken): Promise<Answer> {
	const response = await fetch(`${baseURL}/v3.0/me`, { headers: { appid: appId, authtoken: token.plaintext } });
	// The body is read so the keep-alive connection is free for the next poll.
	await response.arrayBuffer();
	return { status: response.status, at: performance.now() };
}

async function revokeThroughA(deployment: LatchkeyDeployment, token: SeededToken): Promise<Answer> {
	const { appId, restApiKey } = deployment.credentials;
	const response = await fetch(`${deployment.baseURL}/v3/users/${token.uid}/auth_tokens/${token.id}`, {
		method: "DELETE",
		headers: { appid: appId, apikey: restApiKey },
	});
	await response.arrayBuffer();
	return { status: response.status, at: performance.now() };
}

/** A percentile that lands on a miss (+Infinity, beyond the bound) is reported as null. */
function finiteOrNull(value: number): number | null {
	return Number.isFinite(value) ? value : null;
}

/**
 * Two Latchkey processes on one PostgreSQL database. For each token, node B answers `GET /v3.0/me` once (so it
 * holds the session), the token is revoked through node A with the REST API Key, and B is polled back to back
 * until it answers 401: the time from sending the DELETE to that first 401 is how long B kept honouring a token
 * revoked elsewhere. Tokens go one at a time so each measurement has the machine to itself.
 */
export async function runCrossNodeScenario(context: ScenarioContext): Promise<CrossNodeResult | { skipped: string }> {
	if (!context.postgresURL) return { skipped: NOT_APPLICABLE_ON_SQLITE };
	const count = context.smoke ? SMOKE_TOKENS : FULL_TOKENS;
	const deployment = await createDeployment("postgres", {
		postgresURL: context.postgresURL,
		...(context.profileDir && { profileDir: context.profileDir }),
		serverFlags: context.serverFlags,
	});
	try {
		const appId = deployment.credentials.appId;
		const tokens = await deployment.withStore(async (store) => {
			const uids = await seedUsers(store, appId, "x", count);
			return await seedTokens(store, appId, uids, count, { presented: count });
		});
		await deployment.start();
		const nodeB = await deployment.startNode();
		context.log(`cross-node: ${count} tokens, A ${deployment.baseURL}, B ${nodeB.baseURL}`);

		const latencies: number[] = [];
		const deleteMs: number[] = [];
		const missed: SeededToken[] = [];
		let cachedOnB = 0;
		let revoked = 0;
		let polls = 0;
		let otherAnswers = 0;
		let measured = 0;
		for (const token of tokens) {
			if (missed.length >= MAX_MISSES) {
				context.note(
					`cross-node: stopped after ${measured} tokens, ${missed.length} of them not seen within the bound`,
				);
				break;
			}
			measured++;
			const first = await getMe(nodeB.baseURL, appId, token);
			if (first.status === 200) cachedOnB++;
			else otherAnswers++;
			const sentAt = performance.now();
			const deletion = revokeThroughA(deployment, token).then((answer) => {
				deleteMs.push(answer.at - sentAt);
				if (answer.status === 200) revoked++;
			});
			let seenAt: number | null = null;
			while (performance.now() - sentAt < BOUND_MS) {
				const answer = await getMe(nodeB.baseURL, appId, token);
				polls++;
				if (answer.status === 401) {
					seenAt = answer.at;
					break;
				}
				if (answer.status !== 200) otherAnswers++;
			}
			await deletion;
			if (seenAt === null) {
				missed.push(token);
				latencies.push(Number.POSITIVE_INFINITY);
			} else latencies.push(seenAt - sentAt);
		}

		let stillAcceptedAtEnd = 0;
		for (const token of missed) {
			if ((await getMe(nodeB.baseURL, appId, token)).status === 200) stillAcceptedAtEnd++;
		}
		latencies.sort((a, b) => a - b);
		deleteMs.sort((a, b) => a - b);
		return {
			tokens: measured,
			cachedOnB,
			revoked,
			boundMs: BOUND_MS,
			seenP50Ms: finiteOrNull(percentile(latencies, 50)),
			seenP99Ms: finiteOrNull(percentile(latencies, 99)),
			seenMaxMs: finiteOrNull(latencies.at(-1) ?? Number.NaN),
			notSeenWithinBound: missed.length,
			stillAcceptedAtEnd,
			deleteP50Ms: percentile(deleteMs, 50),
			deleteP99Ms: percentile(deleteMs, 99),
			pollsPerToken: measured > 0 ? polls / measured : 0,
			otherAnswers,
		};
	} finally {
		await deployment.destroy();
	}
}
