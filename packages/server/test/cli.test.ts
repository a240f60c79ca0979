import path from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { type CLIIO, runCLI } from "../src/cli/main.ts";
import { verifyAuthToken } from "../src/domain/auth-tokens.ts";
import { systemClock } from "../src/domain/clock.ts";
import { noEvents } from "../src/events/bus.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { type CLIRun, runCLIIn } from "./cli-runner.ts";
import { makeTempDir } from "./process.ts";

let dataDir: string;

/** Runs the CLI in-process on this test's data dir; `options` adds environment variables or a confirm prompt. */
async function cliWith(
	options: { env?: Record<string, string>; confirm?: CLIIO["confirm"] },
	...argv: string[]
): Promise<CLIRun> {
	return await runCLIIn(dataDir, argv, options);
}

async function cli(...argv: string[]): Promise<CLIRun> {
	return await cliWith({}, ...argv);
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
		expect(await cli("apps", "create")).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: --name is required (see `latchkey apps create --help`)",
		});
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
			stderr: "error: ERR_USAGE: --metadata must be a JSON object (see `latchkey users create --help`)",
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
});

interface CreatedAppJSON {
	appId: string;
	name: string;
	region: string;
	createdAt: number;
	restApiKey: string;
}

/** Whether a token would still log in: the domain's own check, over the data dir's database. */
async function tokenLogsIn(appId: string, token: string): Promise<boolean> {
	const store = new KyselyStore({ kind: "sqlite", filename: path.join(dataDir, "latchkey.db") });
	try {
		return (await verifyAuthToken({ store, clock: systemClock, events: noEvents }, appId, token)) !== null;
	} finally {
		await store.close();
	}
}

describe("apps rename and delete (issue 13)", () => {
	let first: CreatedAppJSON;
	let second: CreatedAppJSON;
	beforeEach(async () => {
		first = await cliJSON<CreatedAppJSON>("apps", "create", "--name", "First");
		second = await cliJSON<CreatedAppJSON>("apps", "create", "--name", "Second");
	});

	test("apps rename gives an app a new name; its id and keys stay", async () => {
		expect(await cliJSON("apps", "rename", second.appId, "Production")).toEqual({
			appId: second.appId,
			name: "Production",
			region: "us",
			createdAt: second.createdAt,
		});
		const listed = await cliJSON<{ data: Array<{ appId: string; name: string }> }>("apps", "list");
		expect(listed.data.map((app) => [app.appId, app.name])).toEqual([
			[first.appId, "First"],
			[second.appId, "Production"],
		]);
		expect((await cliJSON<{ data: unknown[] }>("keys", "list", "--app", second.appId)).data).toHaveLength(2);
	});

	test("apps rename refuses an unknown app and an empty name, exit 1", async () => {
		expect(await cli("apps", "rename", "nope", "X")).toEqual({
			code: 1,
			stdout: "",
			stderr: "error: AUTH_ERR_INVALID_APPID: The appId nope does not exist.",
		});
		expect(await cli("apps", "rename", second.appId, "")).toMatchObject({
			code: 1,
			stdout: "",
			stderr: expect.stringMatching(
				/^error: ERR_BAD_REQUEST: Failed to validate the data sent with the request\. \(name: /,
			),
		});
	});

	test("apps delete without --yes and without a terminal is refused; nothing is deleted", async () => {
		const token = await cliJSON<{ authToken: string }>("tokens", "create", "superhero1", "--app", second.appId);
		expect(await cli("apps", "delete", second.appId)).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: ERR_CONFIRMATION_REQUIRED: Deleting the app ${second.appId} cannot be undone: pass --yes to confirm (on a terminal you are asked instead).`,
		});
		expect(await cli("apps", "delete", second.appId, "--json")).toEqual({
			code: 1,
			stdout: "",
			stderr: JSON.stringify({
				error: {
					code: "ERR_CONFIRMATION_REQUIRED",
					message: `Deleting the app ${second.appId} cannot be undone: pass --yes to confirm (on a terminal you are asked instead).`,
					details: {},
				},
			}),
		});
		expect((await cliJSON<{ data: unknown[] }>("apps", "list")).data).toHaveLength(2);
		expect(await tokenLogsIn(second.appId, token.authToken)).toBe(true);
	});

	test("apps delete --yes removes the app with its users, keys and tokens: its tokens no longer log in", async () => {
		const token = await cliJSON<{ authToken: string }>("tokens", "create", "superhero1", "--app", second.appId);
		const other = await cliJSON<{ authToken: string }>("tokens", "create", "superhero1", "--app", first.appId);
		expect(await tokenLogsIn(second.appId, token.authToken)).toBe(true);
		expect(await cliJSON("apps", "delete", second.appId, "--yes")).toEqual({
			deleted: second.appId,
			users: 5,
			authTokens: 1,
			apiKeys: 2,
		});
		expect(await tokenLogsIn(second.appId, token.authToken)).toBe(false);
		expect(await tokenLogsIn(first.appId, other.authToken)).toBe(true);
		expect((await cliJSON<{ data: Array<{ appId: string }> }>("apps", "list")).data.map((app) => app.appId)).toEqual([
			first.appId,
		]);
		expect(await cli("users", "list", "--app", second.appId)).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: AUTH_ERR_INVALID_APPID: The appId ${second.appId} does not exist.`,
		});
		expect(await cli("apps", "delete", second.appId, "--yes")).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: AUTH_ERR_INVALID_APPID: The appId ${second.appId} does not exist.`,
		});
	});

	test("on a terminal apps delete asks: no keeps the app, yes deletes it", async () => {
		const questions: string[] = [];
		const refuse = await cliWith(
			{
				confirm: async (question) => {
					questions.push(question);
					return false;
				},
			},
			"apps",
			"delete",
			second.appId,
		);
		expect(refuse).toEqual({ code: 1, stdout: "", stderr: "error: ERR_CANCELLED: Nothing was deleted." });
		expect(questions).toEqual([
			`Delete the app "Second" (${second.appId}) with every user, auth token and API key of it? This cannot be undone.`,
		]);
		const accept = await cliWith({ confirm: async () => true }, "apps", "delete", second.appId);
		expect(accept).toEqual({
			code: 0,
			stdout: `Deleted the app "Second" (${second.appId}): 5 users, 0 auth tokens, 2 API keys.`,
			stderr: "",
		});
	});
});

describe("the default app (issue 13)", () => {
	let first: CreatedAppJSON;
	let second: CreatedAppJSON;
	beforeEach(async () => {
		first = await cliJSON<CreatedAppJSON>("apps", "create", "--name", "First");
		second = await cliJSON<CreatedAppJSON>("apps", "create", "--name", "Second", "--skip-sample-data");
	});

	async function listUids(options: { env?: Record<string, string> }, ...argv: string[]): Promise<string[]> {
		const run = await cliWith(options, "users", "list", "--json", ...argv);
		expect(run).toMatchObject({ code: 0, stderr: "" });
		return (JSON.parse(run.stdout) as { data: Array<{ uid: string }> }).data.map((user) => user.uid);
	}

	const SAMPLE = ["superhero1", "superhero2", "superhero3", "superhero4", "superhero5"];

	test("with several apps and no --app nor LATCHKEY_APP, commands work on the first app created", async () => {
		expect(await listUids({})).toEqual(SAMPLE);
		const token = await cliJSON<{ uid: string }>("tokens", "create", "superhero2");
		expect(token.uid).toBe("superhero2");
		expect(await listUids({}, "--app", second.appId)).toEqual([]);
	});

	test("LATCHKEY_APP picks the app; --app still wins; an unknown LATCHKEY_APP is named as such", async () => {
		const env = { LATCHKEY_APP: second.appId };
		expect(await listUids({ env })).toEqual([]);
		expect(await listUids({ env }, "--app", first.appId)).toEqual(SAMPLE);
		expect(await cliWith({ env: { LATCHKEY_APP: "nope" } }, "users", "list")).toEqual({
			code: 1,
			stdout: "",
			stderr: "error: AUTH_ERR_INVALID_APPID: The appId nope (from LATCHKEY_APP) does not exist.",
		});
		expect(await cli("users", "list", "--app", "nope")).toEqual({
			code: 1,
			stdout: "",
			stderr: "error: AUTH_ERR_INVALID_APPID: The appId nope does not exist.",
		});
	});

	test("once the first app is deleted, the only app left is the default", async () => {
		await cliJSON("apps", "delete", first.appId, "--yes");
		await cliJSON("users", "create", "--uid", "ann", "--name", "Ann");
		expect(await listUids({}, "--app", second.appId)).toEqual(["ann"]);
		expect(await listUids({})).toEqual(["ann"]);
	});

	test("with no app at all, commands say how to make one", async () => {
		await cliJSON("apps", "delete", first.appId, "--yes");
		await cliJSON("apps", "delete", second.appId, "--yes");
		expect(await cli("users", "list")).toEqual({
			code: 1,
			stdout: "",
			stderr: "error: AUTH_ERR_EMPTY_APPID: There is no app yet: run `latchkey apps create --name NAME`.",
		});
	});
});

describe("usage", () => {
	test("no command prints help on stdout and exits 2 with an error on stderr", async () => {
		const run = await cli();
		expect(run.code).toBe(2);
		expect(run.stdout).toContain("usage: latchkey <command> [<action>] [options]");
		expect(run.stderr).toBe("error: ERR_USAGE: a command is required (see `latchkey --help`)");
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

describe("latchkey security", () => {
	const defaults = {
		tokenIdleTimeoutSeconds: null,
		tokenMaxLifetimeSeconds: null,
		authKeyLogin: "enabled",
		authKeyUidAllowlist: [],
		authKeyOriginAllowlist: [],
		productionMode: false,
		tokenStorage: "hashed",
		clientUserFields: ["link", "avatar", "statusMessage", "createdAt", "updatedAt", "tags", "lastActiveAt"],
	};

	test("security set --client-user-fields chooses what logged-in clients read of other users (issue 14)", async () => {
		await cliJSON("apps", "create", "--name", "Fields");
		expect(await cliJSON("security", "set", "--client-user-fields", "metadata,avatar")).toMatchObject({
			clientUserFields: ["avatar", "metadata"],
			authKeyLogin: "enabled",
		});
		expect(await cliJSON("security", "set", "--client-user-fields", "default")).toMatchObject({
			clientUserFields: defaults.clientUserFields,
		});
		const bad = await cli("security", "set", "--client-user-fields", "password", "--json");
		expect({ code: bad.code, error: (JSON.parse(bad.stderr) as { error: { code: string } }).error.code }).toEqual({
			code: 1,
			error: "ERR_BAD_REQUEST",
		});
	});

	test("security get shows the settings in force; security set changes only those given", async () => {
		const created = await cliJSON<{ appId: string }>("apps", "create", "--name", "Secure");
		expect(await cliJSON("security", "get")).toEqual({ appId: created.appId, ...defaults });
		expect(
			await cliJSON(
				"security",
				"set",
				"--token-idle-timeout-seconds",
				"3600",
				"--auth-key-login",
				"allowlist",
				"--auth-key-uid-allowlist",
				"Alice, bob",
				"--production-mode",
				"true",
			),
		).toEqual({
			appId: created.appId,
			...defaults,
			tokenIdleTimeoutSeconds: 3600,
			authKeyLogin: "allowlist",
			authKeyUidAllowlist: ["alice", "bob"],
			productionMode: true,
		});
		expect(
			await cliJSON("security", "set", "--token-idle-timeout-seconds", "never", "--auth-key-uid-allowlist", ""),
		).toMatchObject({ tokenIdleTimeoutSeconds: null, authKeyUidAllowlist: [], authKeyLogin: "allowlist" });
		const text = await cli("security", "get");
		expect(text.stdout).toContain("authKeyLogin             allowlist");
	});

	test("a bad value is exit 1 naming the setting; no setting at all is a usage error", async () => {
		await cliJSON("apps", "create", "--name", "Secure");
		const bad = await cli("security", "set", "--token-max-lifetime-seconds", "10", "--json");
		expect(bad.code).toBe(1);
		expect(JSON.parse(bad.stderr)).toEqual({
			error: {
				code: "ERR_BAD_REQUEST",
				message: "Failed to validate the data sent with the request.",
				details: { tokenMaxLifetimeSeconds: ["The tokenMaxLifetimeSeconds must be at least 60."] },
			},
		});
		const none = await cli("security", "set");
		expect({ code: none.code, stderr: none.stderr.split("\n")[0] }).toEqual({
			code: 2,
			stderr: "error: ERR_USAGE: give at least one setting to change (see `latchkey security set --help`)",
		});
		expect(await cliJSON("security", "get")).toMatchObject({ tokenMaxLifetimeSeconds: null });
	});
});
