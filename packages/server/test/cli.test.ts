import { beforeEach, describe, expect, test } from "vitest";
import { runCLI } from "../src/cli/main.ts";
import { makeTempDir } from "./process.ts";

interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

let dataDir: string;

async function cli(...argv: string[]): Promise<Run> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await runCLI(argv, {
		env: { LATCHKEY_DATA_DIR: dataDir },
		cwd: dataDir,
		stdout: (line) => out.push(line),
		stderr: (line) => err.push(line),
	});
	return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

async function cliJSON<T>(...argv: string[]): Promise<T> {
	const run = await cli(...argv, "--json");
	expect(run).toMatchObject({ code: 0, stderr: "" });
	return JSON.parse(run.stdout) as T;
}

beforeEach(() => {
	dataDir = makeTempDir("cli");
});

describe("latchkey apps", () => {
	test("apps create prints the app and its two keys once; apps list shows it without secrets", async () => {
		const created = await cliJSON<Record<string, unknown>>("apps", "create", "--name", "Demo", "--region", "eu");
		expect(created).toEqual({
			appId: expect.stringMatching(/^[0-9a-f]{16}$/),
			name: "Demo",
			region: "eu",
			createdAt: expect.any(Number),
			restApiKey: expect.stringMatching(/^lkak_[0-9a-f]{20}\./),
			authKey: expect.stringMatching(/^lkak_[0-9a-f]{20}\./),
			sampleUsers: ["superhero1", "superhero2", "superhero3", "superhero4", "superhero5"],
		});
		const listed = await cli("apps", "list");
		expect(listed.code).toBe(0);
		expect(listed.stdout).toContain(String(created.appId));
		expect(listed.stdout).not.toContain(String(created.restApiKey));
	});

	test("apps create without --name is bad usage (exit 2)", async () => {
		const run = await cli("apps", "create");
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("usage: latchkey apps create --name NAME");
	});

	test("an invalid region is refused with error: ERR_BAD_REQUEST and exit 1", async () => {
		const run = await cli("apps", "create", "--name", "X", "--region", "mars");
		expect(run).toEqual({
			code: 1,
			stdout: "",
			stderr:
				"error: ERR_BAD_REQUEST: Failed to validate the data sent with the request. (region: The selected region is invalid.)",
		});
	});
});

describe("with one app", () => {
	beforeEach(async () => {
		await cliJSON("apps", "create", "--name", "Demo");
	});

	test("users create, get, list (search, pages) and delete", async () => {
		const user = await cliJSON<Record<string, unknown>>(
			"users",
			"create",
			"--uid",
			"Bob",
			"--name",
			"Bob B",
			"--role",
			"admin",
			"--metadata",
			'{"team":"blue"}',
			"--tags",
			"a,b",
		);
		expect(user).toEqual({
			uid: "bob",
			name: "Bob B",
			metadata: { team: "blue" },
			status: "offline",
			role: "admin",
			createdAt: expect.any(Number),
			tags: ["a", "b"],
		});
		expect(await cliJSON("users", "get", "BOB")).toEqual(user);
		const page = await cliJSON<{ data: Array<{ uid: string }>; meta: unknown }>(
			"users",
			"list",
			"--per-page",
			"2",
			"--page",
			"3",
		);
		expect(page.data.map((u) => u.uid)).toEqual(["superhero4", "superhero5"]);
		expect(page.meta).toEqual({ pagination: { total: 6, count: 2, per_page: 2, current_page: 3, total_pages: 3 } });
		const search = await cliJSON<{ data: Array<{ uid: string }> }>("users", "list", "--search", "bo");
		expect(search.data.map((u) => u.uid)).toEqual(["bob"]);
		expect(await cliJSON("users", "delete", "bob")).toEqual({ deleted: "bob", permanent: false });
		expect(await cli("users", "get", "bob")).toEqual({
			code: 1,
			stdout: "",
			stderr:
				"error: ERR_UID_NOT_FOUND: The UID bob does not exist, please make sure you have created a user with UID bob.",
		});
		// Soft-deleted: the uid stays taken until a permanent delete.
		expect((await cli("users", "create", "--uid", "bob", "--name", "Again")).stderr).toMatch(
			/^error: ERR_UID_ALREADY_EXISTS: /,
		);
		expect(await cliJSON("users", "reactivate", "bob")).toEqual({ reactivated: "bob" });
		expect((await cli("users", "reactivate", "bob")).stderr).toMatch(/^error: ERR_UID_NOT_FOUND: /);
		await cliJSON("users", "delete", "bob");
		expect(await cliJSON("users", "delete", "bob", "--permanent")).toEqual({ deleted: "bob", permanent: true });
		expect((await cli("users", "create", "--uid", "bob", "--name", "Again")).code).toBe(0);
	});

	test("users create with a forbidden uid or bad metadata fails clearly", async () => {
		expect(await cli("users", "create", "--uid", "bad uid", "--name", "X")).toEqual({
			code: 1,
			stdout: "",
			stderr:
				"error: ERR_BAD_REQUEST: Failed to validate the data sent with the request. (uid: The uid may only contain letters, numbers, dashes and underscores.)",
		});
		expect(await cli("users", "create", "--uid", "x", "--name", "X", "--metadata", "{nope")).toEqual({
			code: 2,
			stdout: "",
			stderr: "--metadata must be a JSON object",
		});
	});

	test("tokens create shows the value once; list masks it; delete by id; flush", async () => {
		const token = await cliJSON<{ authToken: string; id: string; uid: string }>("tokens", "create", "superhero1");
		expect(token.authToken.startsWith(`${token.id}.`)).toBe(true);
		await cliJSON("tokens", "create", "superhero1", "--platform", "ios");
		const list = await cliJSON<{ data: Array<{ authToken: string; id: string }> }>("tokens", "list", "SUPERHERO1");
		expect(list.data).toHaveLength(2);
		for (const item of list.data) expect(item.authToken).toBe(`${item.id}.********`);
		expect(await cliJSON("tokens", "delete", "superhero1", token.id)).toEqual({ deleted: token.id });
		expect((await cli("tokens", "delete", "superhero1", token.id)).stderr).toMatch(
			/^error: ERR_AUTH_TOKEN_NOT_FOUND: /,
		);
		expect(await cliJSON("tokens", "flush", "superhero1")).toEqual({ flushed: 1, uid: "superhero1" });
		expect((await cliJSON<{ data: unknown[] }>("tokens", "list", "superhero1")).data).toEqual([]);
	});

	test("keys create, list, delete; an unknown key is ERR_APIKEY_NOT_FOUND", async () => {
		const key = await cliJSON<{ apiKey: string; id: string; scope: string }>(
			"keys",
			"create",
			"--name",
			"CI",
			"--scope",
			"fullAccess",
		);
		expect(key.scope).toBe("fullAccess");
		const list = await cliJSON<{ data: Array<{ id: string; apiKey: string; name: string }> }>("keys", "list");
		expect(list.data.map((k) => k.name).sort()).toEqual(["Auth Key", "CI", "Rest API Key"]);
		for (const item of list.data) expect(item.apiKey).toBe(`${item.id}.********`);
		expect(await cliJSON("keys", "delete", key.id)).toEqual({ deleted: key.id });
		expect((await cli("keys", "delete", key.id)).stderr).toMatch(/^error: ERR_APIKEY_NOT_FOUND: /);
	});

	test("with two apps a command needs --app; an unknown --app is refused", async () => {
		const second = await cliJSON<{ appId: string }>("apps", "create", "--name", "Second", "--skip-sample-data");
		expect(await cli("users", "list")).toEqual({
			code: 1,
			stdout: "",
			stderr: "error: AUTH_ERR_EMPTY_APPID: Several apps exist: pass --app APP_ID.",
		});
		const users = await cliJSON<{ data: unknown[] }>("users", "list", "--app", second.appId);
		expect(users.data).toEqual([]);
		expect(await cli("users", "list", "--app", "nope")).toEqual({
			code: 1,
			stdout: "",
			stderr: "error: AUTH_ERR_INVALID_APPID: The appId nope does not exist.",
		});
	});
});

describe("usage", () => {
	test("no command prints help and exits 2; --help exits 0; an unknown command exits 2", async () => {
		expect((await cli()).code).toBe(2);
		const help = await cli("--help");
		expect(help.code).toBe(0);
		expect(help.stdout).toContain("usage: latchkey <command> [options]");
		const unknown = await cli("frobnicate");
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('error: unknown command "frobnicate"');
	});

	test("an unknown option exits 2; a bad environment exits 1 naming the variable", async () => {
		expect((await cli("users", "list", "--bogus")).code).toBe(2);
		const out: string[] = [];
		const code = await runCLI(["migrate"], {
			env: { LATCHKEY_DATA_DIR: dataDir, LATCHKEY_DB_POOL_SIZE: "many" },
			cwd: dataDir,
			stdout: (line) => out.push(line),
			stderr: (line) => out.push(line),
		});
		expect({ code, out }).toEqual({
			code: 1,
			out: ['error: ERR_CONFIG: LATCHKEY_DB_POOL_SIZE must be a whole number, got "many"'],
		});
	});
});
