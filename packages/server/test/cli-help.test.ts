import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { formatUsage, listOptions } from "../src/cli/command-spec.ts";
import { COMMANDS, runCLI } from "../src/cli/main.ts";
import { MIGRATIONS } from "../src/store/migrations/index.ts";
import { type CLIRun, runCLIIn } from "./cli-runner.ts";
import { makeTempDir } from "./process.ts";

// Issue 13 item 3: every command explains itself (`--help`/`-h`, exit 0, usage on stdout), and every error is
// `error: CODE: message` (or a JSON object with --json) on stderr.

let dataDir: string;

async function cli(...argv: string[]): Promise<CLIRun> {
	return await runCLIIn(dataDir, argv, { cwd: path.dirname(dataDir) });
}

beforeEach(() => {
	// A data dir that does not exist: asking for help must not open (or create) a database.
	dataDir = path.join(makeTempDir("cli-help"), "data");
});

/** Every `latchkey <command> [<action>]` the table knows, with its spec. */
const INVOCATIONS = COMMANDS.flatMap(({ spec }) =>
	spec.actions.map((action) => ({ words: [spec.name, action.name].filter(Boolean), spec, action })),
);

describe("--help on every command and action", () => {
	test("the table has every command and action, users reactivate and apps delete/rename among them", () => {
		expect(INVOCATIONS.map(({ words }) => words.join(" "))).toEqual([
			"serve",
			"migrate",
			"apps create",
			"apps list",
			"apps rename",
			"apps delete",
			"keys create",
			"keys list",
			"keys delete",
			"users create",
			"users list",
			"users get",
			"users delete",
			"users reactivate",
			"users import",
			"tokens create",
			"tokens list",
			"tokens delete",
			"tokens flush",
			"security get",
			"security set",
			"audit",
			"idp add",
			"idp list",
			"idp remove",
			"admin create",
			"backup",
			"restore",
			"dev-cert",
		]);
	});

	for (const { words, spec, action } of INVOCATIONS) {
		for (const flag of ["--help", "-h"]) {
			test(`latchkey ${words.join(" ")} ${flag} prints its usage and every option on stdout, exit 0`, async () => {
				const run = await cli(...words, flag);
				expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
				const lines = run.stdout.split("\n");
				expect(lines[0]).toBe(`usage: ${formatUsage(spec, action)}`);
				for (const [name] of listOptions(spec, action)) expect(run.stdout).toContain(`\n  --${name}`);
				expect(lines.at(-1)).toMatch(/^ {2}-h, --help +show this help$/);
				expect(existsSync(dataDir)).toBe(false);
			});
		}
		test(`latchkey help ${words.join(" ")} is the same page`, async () => {
			expect(await cli("help", ...words)).toEqual(await cli(...words, "--help"));
		});
	}

	for (const { spec } of COMMANDS.filter(({ spec }) => spec.actions.length > 1)) {
		for (const flag of ["--help", "-h"]) {
			test(`latchkey ${spec.name} ${flag} lists its actions on stdout, exit 0`, async () => {
				const run = await cli(spec.name, flag);
				expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
				expect(run.stdout.split("\n")[0]).toBe(`usage: latchkey ${spec.name} <action> [options]`);
				for (const action of spec.actions) expect(run.stdout).toContain(`  ${formatUsage(spec, action)}`);
			});
		}
	}

	test("--help wins over missing required options and arguments", async () => {
		const run = await cli("tokens", "delete", "--help");
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/^usage: latchkey tokens delete UID TOKEN_ID \[--app APP_ID\] \[--json\]\n/);
	});

	test("after -- a --help is a value, not a request for help", async () => {
		const run = await cli("users", "get", "--", "--help");
		expect(run).toEqual({
			code: 1,
			stdout: "",
			stderr: expect.stringMatching(/^error: ERR_DATA_DIR_NOT_FOUND: /),
		});
	});

	for (const flag of ["--help", "-h", "help"]) {
		test(`latchkey ${flag} lists every command and action on stdout, exit 0`, async () => {
			const run = await cli(flag);
			expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
			expect(run.stdout).toContain("usage: latchkey <command> [<action>] [options]");
			for (const { words } of INVOCATIONS) expect(run.stdout).toMatch(new RegExp(`\\n  ${words.join(" ")} +\\S`));
			expect(run.stdout).toContain("LATCHKEY_APP");
		});
	}
});

describe("--version", () => {
	const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
		.version;

	test("--version and -v print the package's version and the newest schema, exit 0", async () => {
		const schema = Object.keys(MIGRATIONS).sort().at(-1);
		expect(schema).toMatch(/^\d{4}-/);
		const line = `${version} (schema ${schema})`;
		expect(await cli("--version")).toEqual({ code: 0, stdout: line, stderr: "" });
		expect(await cli("-v")).toEqual({ code: 0, stdout: line, stderr: "" });
		expect(await cli("--version", "--json")).toEqual({
			code: 0,
			stdout: JSON.stringify({ version, schema }),
			stderr: "",
		});
	});
});

describe("errors", () => {
	test("an unknown option is bad usage: exit 2, error: ERR_USAGE naming the option and the help to read", async () => {
		expect(await cli("users", "list", "--bogus")).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: unknown option --bogus (see `latchkey users list --help`)",
		});
		expect(await cli("serve", "--port", "1")).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: unknown option --port (see `latchkey serve --help`)",
		});
		expect(await cli("--bogus")).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: unknown option --bogus (see `latchkey --help`)",
		});
	});

	test("a missing action, value or argument is bad usage with the error: prefix", async () => {
		expect(await cli("apps")).toEqual({
			code: 2,
			stdout: "",
			stderr:
				"error: ERR_USAGE: latchkey apps needs an action: create, list, rename, delete (see `latchkey apps --help`)",
		});
		expect(await cli("apps", "frob")).toEqual({
			code: 2,
			stdout: "",
			stderr:
				'error: ERR_USAGE: unknown action "frob" for latchkey apps; one of: create, list, rename, delete (see `latchkey apps --help`)',
		});
		expect(await cli("apps", "create", "--name")).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: --name needs a value (see `latchkey apps create --help`)",
		});
		expect(await cli("apps", "rename", "only-one")).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: missing NAME (see `latchkey apps rename --help`)",
		});
		expect(await cli("frobnicate")).toEqual({
			code: 2,
			stdout: "",
			stderr: 'error: ERR_USAGE: unknown command "frobnicate" (see `latchkey --help`)',
		});
	});

	test("--metadata and --page errors carry the error: prefix", async () => {
		expect(await cli("users", "create", "--uid", "x", "--name", "X", "--metadata", "{nope")).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: --metadata must be a JSON object (see `latchkey users create --help`)",
		});
		expect(await cli("users", "list", "--page", "0")).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: --page must be a positive integer (see `latchkey users list --help`)",
		});
	});

	test("with --json an error is one JSON object on stderr, in CometChat's shape; nothing on stdout", async () => {
		expect(await cli("users", "list", "--page", "x", "--json")).toEqual({
			code: 2,
			stdout: "",
			stderr: JSON.stringify({
				error: {
					code: "ERR_USAGE",
					message: "--page must be a positive integer",
					details: { help: "latchkey users list --help" },
				},
			}),
		});
		expect(await cli("migrate", "--json")).toMatchObject({ code: 0 });
		expect(await cli("users", "get", "nobody", "--json")).toEqual({
			code: 1,
			stdout: "",
			stderr: JSON.stringify({
				error: {
					code: "AUTH_ERR_EMPTY_APPID",
					message: "There is no app yet: run `latchkey apps create --name NAME`.",
					details: {},
				},
			}),
		});
	});

	test("a data dir that does not exist is named, with how to point the CLI at the server's; nothing is created", async () => {
		const run = await cli("apps", "list");
		expect(run).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: ERR_DATA_DIR_NOT_FOUND: The data dir ${dataDir} does not exist (LATCHKEY_DATA_DIR is "${dataDir}"). Run the CLI in the directory the server runs in, or set LATCHKEY_DATA_DIR to the server's data dir (or DATABASE_URL to its PostgreSQL database); \`latchkey migrate\` creates a new one.`,
		});
		expect(existsSync(dataDir)).toBe(false);
	});

	test("without LATCHKEY_DATA_DIR the hint names the working directory the default came from", async () => {
		const cwd = makeTempDir("cli-cwd");
		const err: string[] = [];
		const code = await runCLI(["users", "list", "--json"], {
			env: {},
			cwd,
			stdout: () => undefined,
			stderr: (line) => err.push(line),
		});
		expect(code).toBe(1);
		expect(JSON.parse(err.join("\n"))).toEqual({
			error: {
				code: "ERR_DATA_DIR_NOT_FOUND",
				message: `The data dir ${path.join(cwd, ".latchkey")} does not exist (LATCHKEY_DATA_DIR is not set, so it is .latchkey under the working directory ${cwd}). Run the CLI in the directory the server runs in, or set LATCHKEY_DATA_DIR to the server's data dir (or DATABASE_URL to its PostgreSQL database); \`latchkey migrate\` creates a new one.`,
				details: { dataDir: path.join(cwd, ".latchkey") },
			},
		});
	});
});

describe("hints use the server's public URL", () => {
	async function createOperator(env: Record<string, string>): Promise<CLIRun> {
		const out: string[] = [];
		const err: string[] = [];
		const code = await runCLI(["admin", "create", "--email", "ops@example.test", "--password-stdin"], {
			env: { LATCHKEY_DATA_DIR: dataDir, ...env },
			cwd: path.dirname(dataDir),
			stdout: (line) => out.push(line),
			stderr: (line) => err.push(line),
			readStdin: async () => "a long enough password\n",
		});
		return { code, stdout: out.join("\n"), stderr: err.join("\n") };
	}

	beforeEach(async () => {
		expect((await cli("migrate")).code).toBe(0);
	});

	test("admin create points at LATCHKEY_PUBLIC_URL when it is set", async () => {
		const run = await createOperator({ LATCHKEY_PUBLIC_URL: "https://chat.example.test/" });
		expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
		expect(run.stdout.split("\n").at(-1)).toBe("Sign in at https://chat.example.test/dashboard/login");
	});

	test("admin create points at PORT when the CLI is given the server's port", async () => {
		const run = await createOperator({ PORT: "3911" });
		expect(run.stdout.split("\n").at(-1)).toBe("Sign in at http://127.0.0.1:3911/dashboard/login");
	});

	test("without either, admin create uses the address the server wrote to credentials.json", async () => {
		writeFileSync(
			path.join(dataDir, "credentials.json"),
			JSON.stringify({ appId: "x", baseURL: "http://127.0.0.1:3911/v3" }),
		);
		const run = await createOperator({});
		expect(run.stdout.split("\n").at(-1)).toBe("Sign in at http://127.0.0.1:3911/dashboard/login");
	});

	test("apps create says where clients reach the app", async () => {
		const out: string[] = [];
		const code = await runCLI(["apps", "create", "--name", "Hinted", "--skip-sample-data"], {
			env: { LATCHKEY_DATA_DIR: dataDir, LATCHKEY_PUBLIC_URL: "https://chat.example.test" },
			cwd: path.dirname(dataDir),
			stdout: (line) => out.push(line),
			stderr: (line) => out.push(line),
		});
		expect(code).toBe(0);
		const appId = out[0]?.replace(/^appId\s+/, "");
		expect(appId).toMatch(/^[0-9a-f]{16}$/);
		expect(out.at(-1)).toBe(`Clients reach the app at https://chat.example.test/v3 with appid ${appId}.`);
		// Human output shows readable times, not Unix seconds.
		expect(out.find((line) => line.startsWith("createdAt"))).toMatch(/^createdAt\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
	});
});
