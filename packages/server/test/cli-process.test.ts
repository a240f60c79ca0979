import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, expect, test } from "vitest";
import { buildServer, cliArgs, makeTempDir, runProcess } from "./process.ts";

// The real `latchkey` binary (bin/latchkey.js over the build): what a person types, with real exit codes and
// streams (issue 13 item 3).

beforeAll(async () => {
	await buildServer();
}, 120_000);

const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
	.version;

test("latchkey serve --help prints its usage and exits 0 without starting a server", async () => {
	const run = await runProcess(cliArgs("serve", "--help"), { LATCHKEY_DATA_DIR: makeTempDir("cli-process") });
	expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
	expect(run.stdout).toMatch(/^usage: latchkey serve \[--json\]\n/);
});

test("latchkey --version prints the package's version", async () => {
	const run = await runProcess(cliArgs("--version"), {});
	expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
	expect(run.stdout).toMatch(new RegExp(`^${VERSION.replaceAll(".", "\\.")} \\(schema \\d{4}-[a-z0-9-]+\\)\n$`));
});

test("an unknown option exits 2 with error: on stderr; a --json error is a JSON object on stderr, exit 1", async () => {
	const dataDir = path.join(makeTempDir("cli-process"), "missing");
	expect(await runProcess(cliArgs("migrate", "--bogus"), { LATCHKEY_DATA_DIR: dataDir })).toEqual({
		code: 2,
		stdout: "",
		stderr: "error: ERR_USAGE: unknown option --bogus (see `latchkey migrate --help`)\n",
	});
	const run = await runProcess(cliArgs("apps", "list", "--json"), { LATCHKEY_DATA_DIR: dataDir });
	expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: "" });
	expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: "ERR_DATA_DIR_NOT_FOUND", details: { dataDir } } });
});

test("apps delete with stdin not a terminal and without --yes is refused", async () => {
	const dataDir = makeTempDir("cli-process");
	const created = await runProcess(cliArgs("apps", "create", "--name", "Doomed", "--json"), {
		LATCHKEY_DATA_DIR: dataDir,
	});
	const { appId } = JSON.parse(created.stdout) as { appId: string };
	const refused = await runProcess(cliArgs("apps", "delete", appId), { LATCHKEY_DATA_DIR: dataDir });
	expect(refused).toEqual({
		code: 1,
		stdout: "",
		stderr: `error: ERR_CONFIRMATION_REQUIRED: Deleting the app ${appId} cannot be undone: pass --yes to confirm (on a terminal you are asked instead).\n`,
	});
	const deleted = await runProcess(cliArgs("apps", "delete", appId, "--yes"), { LATCHKEY_DATA_DIR: dataDir });
	expect(deleted.code).toBe(0);
});
