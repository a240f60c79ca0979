import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Credentials } from "../src/bootstrap.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import {
	buildServer,
	cliArgs,
	findFreePort,
	makeTempDir,
	requestJSON,
	runProcess,
	type ServerProcess,
	startServerProcess,
} from "./process.ts";

// Issue 11, as a running server shows it: the write-behind of lastUsedAt is flushed on SIGTERM, and a revocation
// made by the CLI (another process on the same SQLite file) reaches the server's cache.

describe("the server process's cache and write-behind", () => {
	const running: ServerProcess[] = [];
	beforeAll(async () => {
		await buildServer();
	}, 60_000);
	afterAll(async () => {
		await Promise.all(running.map((server) => server.stop()));
	});

	async function start(dataDir: string): Promise<{ base: string; server: ServerProcess; credentials: Credentials }> {
		const port = await findFreePort();
		// A flush interval longer than the test: only the shutdown can write the buffered use.
		const server = await startServerProcess({
			PORT: String(port),
			LATCHKEY_DATA_DIR: dataDir,
			LATCHKEY_WRITE_BEHIND_INTERVAL_MS: "600000",
		});
		running.push(server);
		const credentials = JSON.parse(readFileSync(path.join(dataDir, "credentials.json"), "utf8")) as Credentials;
		return { base: `http://127.0.0.1:${port}`, server, credentials };
	}

	async function mint(base: string, credentials: Credentials, uid: string): Promise<string> {
		const minted = await requestJSON(base, "POST", `/v3/users/${uid}/auth_tokens`, {
			appid: credentials.appId,
			apikey: credentials.restApiKey,
		});
		expect(minted.status).toBe(200);
		return minted.json.data?.authToken as string;
	}

	test("a use buffered in memory is written when the server stops on SIGTERM", async () => {
		const dataDir = makeTempDir("write-behind");
		const { base, server, credentials } = await start(dataDir);
		const token = await mint(base, credentials, "superhero1");
		const tokenId = token.split(".")[0] as string;
		const me = await requestJSON(base, "GET", "/v3.0/me", { appid: credentials.appId, authtoken: token });
		expect(me.status).toBe(200);
		const before = new KyselyStore({ kind: "sqlite", filename: path.join(dataDir, "latchkey.db") });
		expect((await before.getSession(tokenId))?.token.lastUsedAt).toBeNull();
		await before.close();
		expect(await server.stop()).toBe(0);
		const after = new KyselyStore({ kind: "sqlite", filename: path.join(dataDir, "latchkey.db") });
		const lastUsedAt = (await after.getSession(tokenId))?.token.lastUsedAt ?? null;
		await after.close();
		expect(lastUsedAt).not.toBeNull();
		expect(Math.abs((lastUsedAt ?? 0) - Date.now())).toBeLessThan(60_000);
	}, 60_000);

	test("a token the CLI revokes is refused by the running server that had it cached", async () => {
		const dataDir = makeTempDir("cli-revoke");
		const { base, credentials } = await start(dataDir);
		const token = await mint(base, credentials, "superhero2");
		const headers = { appid: credentials.appId, authtoken: token };
		expect((await requestJSON(base, "GET", "/v3.0/me", headers)).status).toBe(200);
		expect((await requestJSON(base, "GET", "/v3.0/me", headers)).status).toBe(200);
		const revoked = await runProcess(cliArgs("tokens", "delete", "superhero2", token.split(".")[0] as string), {
			LATCHKEY_DATA_DIR: dataDir,
		});
		expect(revoked).toMatchObject({ code: 0 });
		const revokedAt = performance.now();
		// The server notices the CLI's commit by itself (every 250 ms); ask until it refuses, for at most 5 s.
		let status = 200;
		while (status === 200 && performance.now() - revokedAt < 5_000) {
			status = (await requestJSON(base, "GET", "/v3.0/me", headers)).status;
		}
		console.log(
			`[cache] CLI revocation → refused by the server after ${(performance.now() - revokedAt).toFixed(0)} ms`,
		);
		expect(status).toBe(401);
	}, 60_000);
});
