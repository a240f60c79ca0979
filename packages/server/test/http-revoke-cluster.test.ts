import { afterEach, describe, expect, test } from "vitest";
import type { RunningServer } from "../src/serve.ts";
import { T0 } from "./helpers.ts";
import { callNode, type NodePair, startPostgresPair } from "./nodes.ts";
import { authFrame, openClient, type TestClient } from "./realtime-client.ts";
import { WAIT_MS, within } from "./wait.ts";

// Issue 15: a rung of the revocation ladder or a /me/sessions ending served by node A is refused by node B (whose
// session cache held the token) and closes B's sockets of exactly those tokens with 4001. Two in-process nodes
// share one PostgreSQL schema and the PostgreSQL event bus; only the server-postgres project runs this.
const url = process.env.DATABASE_URL;
const ON_POSTGRES = process.env.LATCHKEY_TEST_DIALECT === "postgres" && url !== undefined;

describe.skipIf(!ON_POSTGRES)("revocations across two PostgreSQL nodes", () => {
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

	/** Logs in on `node` as the SDK does and opens an authenticated socket there. */
	async function device(node: RunningServer): Promise<{ token: string; client: TestClient }> {
		const minted = await call(node, "POST", "/v3/users/superhero1/auth_tokens", { apikey: seed().authKey }, {});
		const token = String((minted.body.data as { authToken: string }).authToken);
		const me = await call(node, "PUT", "/v3.0/me", { authtoken: token }, { platform: "WEB" });
		const jwt = String((me.body.data as { jwt: string }).jwt);
		const client = await openClient(node.url.replace(/^http/, "ws"));
		client.socket.send(authFrame(seed().app.id, "superhero1", jwt));
		expect(await client.nextMessage()).toMatchObject({ type: "auth", body: { code: "200", status: "OK" } });
		return { token, client };
	}

	const meStatus = async (node: RunningServer, token: string) =>
		(await call(node, "GET", "/v3.0/me", { authtoken: token })).status;

	/** The other node hears of a revocation through NOTIFY: bounded by WAIT_MS, never slept. */
	async function refusedOn(node: RunningServer, token: string): Promise<boolean> {
		const started = Date.now();
		while (Date.now() - started < WAIT_MS) if ((await meStatus(node, token)) === 401) return true;
		return false;
	}

	test("issuedBefore through node A: node B refuses the old token and closes its socket, keeps the newer one", async () => {
		const [a, b] = await startPair();
		const old = await device(b);
		clock().advance(10_000);
		const newer = await device(b);
		// Both sessions are in B's cache before the revocation.
		expect(await meStatus(b, old.token)).toBe(200);
		expect(await meStatus(b, newer.token)).toBe(200);

		const res = await call(
			a,
			"POST",
			"/v3/users/superhero1/auth_tokens/revoke",
			{ apikey: seed().restApiKey },
			{
				issuedBefore: T0 + 10,
			},
		);
		expect(res).toEqual({ status: 200, body: { data: { revoked: 1 } } });
		expect(await refusedOn(b, old.token)).toBe(true);
		expect(await within(old.client.closed, "old socket close")).toMatchObject({ code: 4001, reason: "revoked" });
		expect(await meStatus(b, newer.token)).toBe(200);
		expect(newer.client.isOpen()).toBe(true);
	});

	test('scope "others" through node A: node B refuses the other device and closes its socket', async () => {
		const [a, b] = await startPair();
		const caller = await device(a);
		const other = await device(b);
		expect(await meStatus(b, other.token)).toBe(200);

		const res = await call(a, "DELETE", "/v3.0/me/sessions", { authtoken: caller.token }, { scope: "others" });
		expect(res).toEqual({ status: 200, body: { data: { revoked: 1 } } });
		expect(await refusedOn(b, other.token)).toBe(true);
		expect(await within(other.client.closed, "other socket close")).toMatchObject({ code: 4001, reason: "logged_out" });
		expect(await meStatus(b, caller.token)).toBe(200);
	});
});
