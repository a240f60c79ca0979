import { afterEach, describe, expect, test } from "vitest";
import type { RunningServer } from "../src/serve.ts";
import { callNode, type NodePair, startPostgresPair } from "./nodes.ts";

// Issue 15: token expiry on the other node of a PostgreSQL pair. Two in-process nodes share one schema, one
// clock and the PostgreSQL event bus; a use on node A is seen by node B through the store.
const url = process.env.DATABASE_URL;
const SECOND = 1000;
const NOT_FOUND =
	"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.";

describe.skipIf(!url)("token expiry across two PostgreSQL nodes", () => {
	let pair: NodePair | undefined;
	afterEach(async () => {
		await pair?.close();
		pair = undefined;
	});

	async function startPair(): Promise<[RunningServer, RunningServer]> {
		pair = await startPostgresPair(url as string);
		return [pair.a, pair.b];
	}

	const call = (node: RunningServer, method: string, path: string, headers: Record<string, string>, body?: unknown) =>
		callNode(node, (pair as NodePair).seed.app.id, method, path, headers, body);
	const seed = () => (pair as NodePair).seed;
	const clock = () => (pair as NodePair).clock;

	/** Sets the app's settings on `setter` and waits, bounded, until `other` answers them (the bus's NOTIFY). */
	async function setSecurity(setter: RunningServer, other: RunningServer, body: Record<string, unknown>) {
		const key = { apikey: seed().restApiKey };
		expect((await call(setter, "PUT", "/v3/security", key, body)).status).toBe(200);
		const started = Date.now();
		while (Date.now() - started < 5_000) {
			const seen = (await call(other, "GET", "/v3/security", key)).body.data as Record<string, unknown>;
			if (Object.entries(body).every(([name, value]) => seen[name] === value)) return;
		}
		throw new Error("the other node never saw the new settings");
	}

	async function mint(node: RunningServer): Promise<string> {
		const res = await call(node, "POST", "/v3/users/superhero1/auth_tokens", { apikey: seed().authKey }, {});
		return String((res.body.data as { authToken: string }).authToken);
	}

	const me = (node: RunningServer, token: string) => call(node, "GET", "/v3.0/me", { authtoken: token });

	test("a use on node A keeps the token alive on node B until exactly the idle timeout after it", async () => {
		const [a, b] = await startPair();
		await setSecurity(a, b, { tokenIdleTimeoutSeconds: 3600 });
		const early = await mint(a);
		const exact = await mint(a);
		clock().advance(1800 * SECOND);
		expect((await me(a, early)).status).toBe(200);
		expect((await me(a, exact)).status).toBe(200);
		// A's write-behind reaches the store (within a second in a running server).
		await a.cache.flush();
		clock().advance(3599 * SECOND);
		expect((await me(b, early)).status).toBe(200);
		clock().advance(SECOND);
		expect(await me(b, exact)).toEqual({
			status: 401,
			body: {
				error: {
					code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
					message: NOT_FOUND,
					devMessage: NOT_FOUND,
					source: "chat-api",
					details: { reason: "expired" },
				},
			},
		});
		// Node A, which served the last use, hears of the ending through the bus and refuses it too.
		const started = Date.now();
		let status = 200;
		while (status === 200 && Date.now() - started < 5_000) status = (await me(a, exact)).status;
		expect(status).toBe(401);
	});

	test("the maximum lifetime holds on either node, at the boundary", async () => {
		const [a, b] = await startPair();
		await setSecurity(b, a, { tokenMaxLifetimeSeconds: 7200 });
		const token = await mint(a);
		clock().advance(7199 * SECOND);
		expect((await me(b, token)).status).toBe(200);
		expect((await me(a, token)).status).toBe(200);
		clock().advance(SECOND);
		expect((await me(b, token)).body).toMatchObject({ error: { details: { reason: "expired" } } });
	});
});
