/**
 * The request path's own CPU cost per `GET /v3.0/me`, without node:http or a socket: the app's `fetch` called in a
 * loop with a valid token, on the test harness (SQLite in memory, the read cache, the local bus). The Node adapter's
 * lightweight Response is installed and its header conversion is included, so what the adapter would do with the
 * answer is counted too.
 *
 * Steadier than the bench rows on a busy box (it needs one core, not two, and no load generator), so it is the way
 * to compare two commits while others use the machine. Add `--trace-gc` to count scavenges (allocation).
 *
 *   npx tsx bench/in-process.ts [checkout root, default: this one]
 *   node --import tsx --trace-gc bench/in-process.ts /tmp/other-checkout | grep -c Scavenge
 */
import { resolve } from "node:path";
import { getRequestListener } from "@hono/node-server";

const ROUNDS = 7;
const CALLS_PER_ROUND = 30_000;
const WARM_UP_CALLS = 20_000;

interface HarnessLike {
	app: { fetch(request: Request, env?: unknown): Response | Promise<Response> };
	seed: { app: { id: string } };
	call(method: string, path: string, options: { key?: string; body?: unknown }): Promise<Response>;
	seedAuthKey?: string;
}

const root = resolve(process.argv[2] ?? ".");
// Installs the adapter's Request and Response in place of the global ones, as a running server does.
getRequestListener(() => new Response(null));
const { createHarness } = (await import(`${root}/packages/server/test/harness.ts`)) as {
	createHarness(): Promise<HarnessLike & { seed: { app: { id: string }; authKey: string } }>;
};
const h = await createHarness();
const minted = await h.call("POST", "/v3/users/superhero1/auth_tokens", { key: h.seed.authKey, body: {} });
const token = ((await minted.json()) as { data: { authToken: string } }).data.authToken;
const cacheKey = Object.getOwnPropertySymbols(new Response("")).find((symbol) => String(symbol).includes("cache"));
const env = { incoming: { socket: { remoteAddress: "127.0.0.1" } } };

async function call(): Promise<void> {
	const request = new Request("http://127.0.0.1/v3.0/me", { headers: { appid: h.seed.app.id, authtoken: token } });
	const res = (await h.app.fetch(request, env)) as Response & Record<symbol, [number, unknown, unknown]>;
	if (res.status !== 200) throw new Error(`GET /me answered ${res.status}`);
	// What the adapter does with a Headers object before writeHead; a plain object goes as it is.
	const headers = cacheKey ? res[cacheKey]?.[2] : res.headers;
	if (headers instanceof Headers) Object.fromEntries(headers);
}

for (let i = 0; i < WARM_UP_CALLS; i++) await call();
const perCall: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
	const start = process.cpuUsage();
	for (let i = 0; i < CALLS_PER_ROUND; i++) await call();
	const used = process.cpuUsage(start);
	perCall.push((used.user + used.system) / CALLS_PER_ROUND);
}
perCall.sort((a, b) => a - b);
const median = perCall[Math.floor(ROUNDS / 2)] as number;
console.log(`${root}: GET /me in-process CPU µs per call: min ${perCall[0]?.toFixed(2)}, median ${median.toFixed(2)}`);
process.exit(0);
