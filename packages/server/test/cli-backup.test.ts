import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { runCLI } from "../src/cli/main.ts";
import { readConfig } from "../src/config.ts";
import { createApp } from "../src/domain/apps.ts";
import { createAuthToken, verifyAuthToken } from "../src/domain/auth-tokens.ts";
import { systemClock } from "../src/domain/clock.ts";
import type { DomainDeps } from "../src/domain/deps.ts";
import { createUser } from "../src/domain/users.ts";
import { noEvents } from "../src/events/bus.ts";
import { openStore } from "../src/open-store.ts";
import { getLatestSchema } from "../src/store/sqlite-backup.ts";
import { type CLIRun, runCLIIn } from "./cli-runner.ts";
import { buildServer, cliArgs, makeTempDir, runProcess } from "./process.ts";
import { within } from "./wait.ts";

// Issue 13 item 8: `latchkey backup FILE` while the server serves, `latchkey restore FILE` with its refusals.

async function cli(dataDir: string, ...argv: string[]): Promise<CLIRun> {
	return await runCLIIn(dataDir, argv, { cwd: path.dirname(dataDir) });
}

async function withDomain<T>(dataDir: string, use: (deps: DomainDeps) => Promise<T>): Promise<T> {
	const store = await openStore(readConfig({ LATCHKEY_DATA_DIR: dataDir }, dataDir));
	try {
		return await use({ store, clock: systemClock, events: noEvents });
	} finally {
		await store.close();
	}
}

async function listAppNames(dataDir: string): Promise<string[]> {
	const run = await cli(dataDir, "apps", "list", "--json");
	expect(run).toMatchObject({ code: 0, stderr: "" });
	return (JSON.parse(run.stdout) as { data: Array<{ name: string }> }).data.map((app) => app.name);
}

describe("a backup taken while the server writes", () => {
	beforeAll(async () => {
		await buildServer();
	}, 120_000);

	test("restores to a database that accepts every token acknowledged before the backup started", async () => {
		const dataDir = makeTempDir("backup-live");
		const file = path.join(makeTempDir("backup-file"), "latchkey-backup.db");
		// The serving node's store: its writes go on, committed and acknowledged one by one, while the real
		// `latchkey backup` process copies the file.
		const store = await openStore(readConfig({ LATCHKEY_DATA_DIR: dataDir }, dataDir));
		const deps: DomainDeps = { store, clock: systemClock, events: noEvents };
		const { app } = await createApp(deps, { name: "Busy", skipSampleData: true });
		const acknowledged: string[] = [];
		let writing = true;
		let warmedUp: () => void = () => undefined;
		const warm = new Promise<void>((resolve) => {
			warmedUp = resolve;
		});
		const load = (async () => {
			for (let n = 0; writing; n++) {
				await createUser(deps, app.id, { uid: `load-${n}`, name: `Load ${n}` });
				acknowledged.push((await createAuthToken(deps, app.id, `load-${n}`)).plaintext);
				if (acknowledged.length === 20) warmedUp();
			}
		})();
		let before: string[] = [];
		let writtenDuring = 0;
		try {
			await within(warm, "20 acknowledged tokens");
			before = [...acknowledged];
			const run = await runProcess(cliArgs("backup", file, "--json"), { LATCHKEY_DATA_DIR: dataDir });
			writtenDuring = acknowledged.length - before.length;
			expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
			expect(JSON.parse(run.stdout)).toEqual({
				file,
				bytes: statSync(file).size,
				schema: getLatestSchema(),
			});
		} finally {
			writing = false;
			await load;
			await store.close();
		}
		// The load really ran while the backup did (the process takes a second to start).
		expect(writtenDuring).toBeGreaterThan(0);
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(readdirSync(path.dirname(file))).toEqual(["latchkey-backup.db"]);

		const restoredDir = path.join(makeTempDir("backup-restored"), "data");
		expect(await cli(restoredDir, "restore", file)).toEqual({
			code: 0,
			stdout: `Restored ${file} into ${path.join(restoredDir, "latchkey.db")} (schema ${getLatestSchema()}).`,
			stderr: "",
		});
		const refused = await withDomain(restoredDir, async (restored) => {
			const results = await Promise.all(before.map((token) => verifyAuthToken(restored, app.id, token)));
			return results.filter((session) => session === null).length;
		});
		expect({ checked: before.length, refused }).toEqual({ checked: before.length, refused: 0 });
	}, 60_000);
});

describe("backup and restore refusals", () => {
	let dataDir: string;
	let file: string;
	beforeEach(async () => {
		dataDir = path.join(makeTempDir("backup-src"), "data");
		file = path.join(makeTempDir("backup-file"), "backup.db");
		expect((await cli(dataDir, "migrate")).code).toBe(0);
		expect((await cli(dataDir, "apps", "create", "--name", "Original")).code).toBe(0);
		expect((await cli(dataDir, "backup", file)).code).toBe(0);
	});

	test("restore refuses a backup from a newer schema and touches nothing", async () => {
		const db = new Database(file);
		db.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)").run(
			"9999-from-the-future",
			new Date(0).toISOString(),
		);
		db.close();
		const target = path.join(makeTempDir("backup-dst"), "data");
		expect(await cli(target, "restore", file)).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: ERR_BACKUP_NEWER_SCHEMA: ${file} comes from a newer Latchkey (schema 9999-from-the-future; this one knows up to ${getLatestSchema()}): upgrade Latchkey, then restore.`,
		});
		expect(existsSync(target)).toBe(false);
		// Also with --force over an existing database: the database stays as it was.
		expect((await cli(dataDir, "restore", file, "--force")).stderr).toMatch(/^error: ERR_BACKUP_NEWER_SCHEMA: /);
		expect(await listAppNames(dataDir)).toEqual(["Original"]);
	});

	test("restore refuses to replace a database without --force; with it the old one is kept aside", async () => {
		expect((await cli(dataDir, "apps", "rename", (await appIds(dataDir))[0] ?? "", "Changed")).code).toBe(0);
		const target = path.join(dataDir, "latchkey.db");
		expect(await cli(dataDir, "restore", file)).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: ERR_FILE_EXISTS: ${target} already exists: pass --force to replace it (it is kept beside it as latchkey.db.replaced-<time>).`,
		});
		expect(await listAppNames(dataDir)).toEqual(["Changed"]);

		const run = await cli(dataDir, "restore", file, "--force", "--json");
		expect(run).toMatchObject({ code: 0, stderr: "" });
		const answer = JSON.parse(run.stdout) as { replaced: string };
		expect(answer).toEqual({
			restored: file,
			database: target,
			schema: { backup: getLatestSchema(), now: getLatestSchema() },
			replaced: expect.stringMatching(/latchkey\.db\.replaced-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/),
		});
		expect(await listAppNames(dataDir)).toEqual(["Original"]);
		// The replaced database is whole: it still opens with the change made after the backup.
		const aside = new Database(answer.replaced, { readonly: true });
		expect(aside.prepare("SELECT name FROM apps").all()).toEqual([{ name: "Changed" }]);
		aside.close();
	});

	test("restore refuses while another process has the database open (a running server)", async () => {
		const store = await openStore(readConfig({ LATCHKEY_DATA_DIR: dataDir }, dataDir));
		try {
			expect(await cli(dataDir, "restore", file, "--force")).toEqual({
				code: 1,
				stdout: "",
				stderr: `error: ERR_DATABASE_IN_USE: ${path.join(dataDir, "latchkey.db")} is open in another process (a running server?): stop it, then restore.`,
			});
		} finally {
			await store.close();
		}
		expect((await cli(dataDir, "restore", file, "--force")).code).toBe(0);
	});

	test("restore refuses a file that is not a Latchkey database", async () => {
		const junk = path.join(path.dirname(file), "junk.db");
		writeFileSync(junk, "not a database at all, just some text that is long enough to have a header");
		const target = path.join(makeTempDir("backup-dst"), "data");
		expect(await cli(target, "restore", junk)).toMatchObject({
			code: 1,
			stdout: "",
			stderr: expect.stringMatching(/^error: ERR_BACKUP_INVALID: .*junk\.db is not an SQLite database/),
		});
		expect(await cli(target, "restore", path.join(path.dirname(file), "missing.db"))).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: ERR_BACKUP_NOT_FOUND: ${path.join(path.dirname(file), "missing.db")} does not exist.`,
		});
		expect(existsSync(path.join(target, "latchkey.db"))).toBe(false);
	});

	test("backup refuses to replace a file without --force, a missing data dir, and PostgreSQL", async () => {
		expect(await cli(dataDir, "backup", file)).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: ERR_FILE_EXISTS: ${file} already exists: pass --force to replace it.`,
		});
		expect((await cli(dataDir, "backup", file, "--force")).code).toBe(0);
		const missing = path.join(makeTempDir("backup-none"), "data");
		expect((await cli(missing, "backup", file, "--force")).stderr).toMatch(/^error: ERR_DATA_DIR_NOT_FOUND: /);
		const out: string[] = [];
		const code = await runCLI(["backup", file, "--json"], {
			env: { LATCHKEY_DATA_DIR: dataDir, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" },
			cwd: dataDir,
			stdout: (line) => out.push(line),
			stderr: (line) => out.push(line),
		});
		expect({ code, out }).toEqual({
			code: 1,
			out: [
				JSON.stringify({
					error: {
						code: "ERR_NOT_SQLITE",
						message:
							"DATABASE_URL is set: back up PostgreSQL with pg_dump (docs/operations.md, Backup and restore). latchkey backup copies the SQLite database.",
						details: {},
					},
				}),
			],
		});
	});
});

async function appIds(dataDir: string): Promise<string[]> {
	const run = await cli(dataDir, "apps", "list", "--json");
	return (JSON.parse(run.stdout) as { data: Array<{ appId: string }> }).data.map((app) => app.appId);
}
