import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { beforeEach, describe, expect, test } from "vitest";
import { systemClock } from "../src/domain/clock.ts";
import { parsePublicEndpoint } from "../src/domain/me.ts";
import { noEvents } from "../src/events/bus.ts";
import { createApp } from "../src/http/app.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { type CLIRun, runCLIIn } from "./cli-runner.ts";
import { TOKEN_PATTERN } from "./helpers.ts";
import { makeTempDir } from "./process.ts";

// Issue 18: latchkey users import FILE.

let dataDir: string;
let appId: string;

async function cli(argv: string[], env: Record<string, string> = {}): Promise<CLIRun> {
	return await runCLIIn(dataDir, argv, { env });
}

/** Writes `lines` (joined with \n) to a file in the data dir and returns its name. */
function writeLines(name: string, lines: string[]): string {
	writeFileSync(path.join(dataDir, name), `${lines.join("\n")}\n`);
	return name;
}

/** The summary's time varies; everything else is compared whole. */
function withoutSeconds(text: string): string {
	return text.replace(/\(\d+\.\d s\)/g, "(T s)").replaceAll(dataDir, "DIR");
}

async function getUser(uid: string): Promise<Record<string, unknown> | null> {
	const run = await cli(["users", "get", uid, "--json"]);
	return run.code === 0 ? (JSON.parse(run.stdout) as Record<string, unknown>) : null;
}

beforeEach(async () => {
	dataDir = makeTempDir("cli-import");
	const created = await cli(["apps", "create", "--name", "Import", "--json"]);
	appId = (JSON.parse(created.stdout) as { appId: string }).appId;
});

describe("latchkey users import (NDJSON)", () => {
	test("imports the valid rows; reports each malformed or repeated row with its line and reason, and exits 1", async () => {
		const file = writeLines("users.ndjson", [
			JSON.stringify({ uid: "ann", name: "Ann", tags: ["a"], metadata: { team: "blue" } }),
			JSON.stringify({ uid: "Bob", name: "Bob", role: "Admin", createdAt: 1673421419 }),
			"{not json",
			"",
			JSON.stringify(["uid", "x"]),
			JSON.stringify({ uid: "no name" }),
			JSON.stringify({ uid: "BOB", name: "Bob again" }),
			JSON.stringify({ uid: "superhero1", name: "Taken" }),
			JSON.stringify({ uid: "cy", name: "Cy", createdAt: "soon" }),
		]);
		const run = await cli(["users", "import", file]);
		expect({ ...run, stdout: withoutSeconds(run.stdout) }).toEqual({
			code: 1,
			stdout: [
				"line 3: ERR_BAD_REQUEST: The line is not valid JSON.",
				"line 5: ERR_BAD_REQUEST: The line must be a JSON object.",
				"line 6: ERR_BAD_REQUEST: uid: The uid may only contain letters, numbers, dashes and underscores.; name: The name field is required.",
				"line 7: ERR_UID_ALREADY_EXISTS: The uid bob appears more than once; only its first row (line 2) is imported.",
				"line 9: ERR_BAD_REQUEST: createdAt: The createdAt is invalid.",
				"imported DIR/users.ndjson: 8 rows: 2 created, 0 updated, 1 skipped, 5 rejected (T s)",
			].join("\n"),
			stderr: "",
		});
		expect(await getUser("ann")).toMatchObject({ uid: "ann", name: "Ann", tags: ["a"], metadata: { team: "blue" } });
		expect(await getUser("bob")).toMatchObject({ uid: "bob", name: "Bob", role: "admin", createdAt: 1673421419 });
		expect(await getUser("superhero1")).toMatchObject({ name: "Iron Man" });
		expect(await getUser("cy")).toBeNull();
	});

	test("a re-run is idempotent: skip leaves every user alone, update rewrites the fields the rows have", async () => {
		const first = writeLines("v1.ndjson", [
			JSON.stringify({ uid: "ann", name: "Ann", avatar: "https://example.test/ann.png" }),
			JSON.stringify({ uid: "bob", name: "Bob" }),
		]);
		expect((await cli(["users", "import", first])).code).toBe(0);
		const before = await getUser("ann");
		const again = await cli(["users", "import", first]);
		expect(withoutSeconds(again.stdout)).toBe(
			"imported DIR/v1.ndjson: 2 rows: 0 created, 0 updated, 2 skipped, 0 rejected (T s)",
		);
		expect(again.code).toBe(0);
		const second = writeLines("v2.ndjson", [
			JSON.stringify({ uid: "ann", name: "Ann B." }),
			JSON.stringify({ uid: "bob", name: "Bob" }),
			JSON.stringify({ uid: "cy", name: "Cy" }),
		]);
		expect((await cli(["users", "import", second])).code).toBe(0);
		expect(await getUser("ann")).toEqual(before);
		const updated = await cli(["users", "import", second, "--on-existing", "update"]);
		expect(withoutSeconds(updated.stdout)).toBe(
			"imported DIR/v2.ndjson: 3 rows: 0 created, 3 updated, 0 skipped, 0 rejected (T s)",
		);
		// The name changed; the avatar the row does not name and the creation time stayed.
		expect(await getUser("ann")).toMatchObject({
			name: "Ann B.",
			avatar: "https://example.test/ann.png",
			createdAt: before?.createdAt,
		});
		expect(await getUser("ann")).toHaveProperty("updatedAt");
		const again2 = await cli(["users", "import", second, "--on-existing", "update"]);
		expect(withoutSeconds(again2.stdout)).toBe(
			"imported DIR/v2.ndjson: 3 rows: 0 created, 3 updated, 0 skipped, 0 rejected (T s)",
		);
		// The audit log names the CLI as the actor: ann created once, then updated twice; skipped runs record nothing.
		const audit = await cli(["audit", "--uid", "ann", "--json"]);
		const events = (JSON.parse(audit.stdout) as { data: Array<Record<string, unknown>> }).data;
		expect(
			events.map((event) => ({ type: event.type, actor: event.actor, subject: event.subject, details: event.details })),
		).toEqual([
			...["user.updated", "user.updated"].map((type) => ({
				type,
				actor: { kind: "cli", id: null },
				subject: "ann",
				details: { uid: "ann", method: "import" },
			})),
			{
				type: "user.created",
				actor: { kind: "cli", id: null },
				subject: "ann",
				details: { uid: "ann", method: "import" },
			},
		]);
	});

	test("a dry run reports what would happen and writes nothing", async () => {
		const file = writeLines("dry.ndjson", [
			JSON.stringify({ uid: "ann", name: "Ann" }),
			JSON.stringify({ uid: "superhero2", name: "Renamed" }),
			JSON.stringify({ uid: "ann", name: "Twice" }),
		]);
		const run = await cli(["users", "import", file, "--dry-run", "--on-existing", "update"]);
		expect({ ...run, stdout: withoutSeconds(run.stdout) }).toEqual({
			code: 1,
			stdout: [
				"line 3: ERR_UID_ALREADY_EXISTS: The uid ann appears more than once; only its first row (line 1) is imported.",
				"dry run, nothing written: DIR/dry.ndjson: 3 rows: 1 would be created, 1 would be updated, 0 skipped, 1 rejected (T s)",
			].join("\n"),
			stderr: "",
		});
		expect(await getUser("ann")).toBeNull();
		expect(await getUser("superhero2")).toMatchObject({ name: "Captain America" });
		expect(await cli(["users", "import", file, "--dry-run", "--with-tokens", "t.ndjson"])).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: --with-tokens mints nothing in a --dry-run (see `latchkey users import --help`)",
		});
	});

	test("without a terminal, progress is a plain stderr line every 10,000 rows", async () => {
		const lines = Array.from({ length: 25_000 }, (_, i) => JSON.stringify({ uid: `u${i}`, name: `User ${i}` }));
		const file = writeLines("many.ndjson", lines);
		const run = await cli(["users", "import", file, "--batch-size", "5000"]);
		expect({ ...run, stdout: withoutSeconds(run.stdout) }).toEqual({
			code: 0,
			stdout: "imported DIR/many.ndjson: 25000 rows: 25000 created, 0 updated, 0 skipped, 0 rejected (T s)",
			stderr: [
				"progress: 10000 rows: 10000 created, 0 updated, 0 skipped, 0 rejected",
				"progress: 20000 rows: 20000 created, 0 updated, 0 skipped, 0 rejected",
			].join("\n"),
		});
		expect(await getUser("u24999")).toMatchObject({ name: "User 24999" });
	});

	test("--json prints one object with the counts and every rejected row", async () => {
		const file = writeLines("j.ndjson", [JSON.stringify({ uid: "ann", name: "Ann" }), "[]"]);
		const run = await cli(["users", "import", file, "--json"]);
		expect(run.code).toBe(1);
		expect({ ...(JSON.parse(run.stdout) as Record<string, unknown>), seconds: 0 }).toEqual({
			file: path.join(dataDir, "j.ndjson"),
			dryRun: false,
			rows: 2,
			created: 1,
			updated: 0,
			skipped: 0,
			rejected: [{ line: 2, uid: null, code: "ERR_BAD_REQUEST", reason: "The line must be a JSON object." }],
			tokens: 0,
			seconds: 0,
		});
	});

	test("the app's user quota holds: rows past it are rejected", async () => {
		// The app holds its 5 sample users; a cap of 7 leaves room for 2.
		const file = writeLines(
			"q.ndjson",
			["a1", "a2", "a3"].map((uid) => JSON.stringify({ uid, name: uid })),
		);
		const run = await cli(["users", "import", file], { LATCHKEY_MAX_USERS_PER_APP: "7" });
		expect({ ...run, stdout: withoutSeconds(run.stdout) }).toEqual({
			code: 1,
			stdout: [
				"line 3: ERR_PLAN_QUOTA_RESTRICTION: The allowed limit of 7 users for this app has been reached.",
				"imported DIR/q.ndjson: 3 rows: 2 created, 0 updated, 0 skipped, 1 rejected (T s)",
			].join("\n"),
			stderr: "",
		});
	});

	test("bad usage and missing files are refused before anything is written", async () => {
		writeLines("x.ndjson", [JSON.stringify({ uid: "ann", name: "Ann" })]);
		expect(await cli(["users", "import", "x.ndjson", "--format", "xml"])).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: --format must be csv or ndjson (see `latchkey users import --help`)",
		});
		expect(await cli(["users", "import", "x.ndjson", "--on-existing", "replace"])).toEqual({
			code: 2,
			stdout: "",
			stderr: "error: ERR_USAGE: --on-existing must be update or skip (see `latchkey users import --help`)",
		});
		expect((await cli(["users", "import", "x.ndjson", "--batch-size", "0"])).code).toBe(2);
		expect(await cli(["users", "import", "missing.ndjson"])).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: ERR_BAD_REQUEST: The file ${path.join(dataDir, "missing.ndjson")} does not exist.`,
		});
		expect(await getUser("ann")).toBeNull();
	});
});

describe("latchkey users import --with-tokens", () => {
	test("writes one working token per imported user to a new 0600 file, and never overwrites one", async () => {
		const file = writeLines("t.ndjson", [
			JSON.stringify({ uid: "ann", name: "Ann" }),
			JSON.stringify({ uid: "bad uid", name: "X" }),
			JSON.stringify({ uid: "bob", name: "Bob" }),
		]);
		const run = await cli(["users", "import", file, "--with-tokens", "tokens.ndjson"]);
		expect(withoutSeconds(run.stdout)).toBe(
			[
				"line 2: ERR_BAD_REQUEST: uid: The uid may only contain letters, numbers, dashes and underscores.",
				"imported DIR/t.ndjson: 3 rows: 2 created, 0 updated, 0 skipped, 1 rejected, 2 tokens written (T s)",
			].join("\n"),
		);
		const tokensPath = path.join(dataDir, "tokens.ndjson");
		expect(statSync(tokensPath).mode & 0o777).toBe(0o600);
		const tokens = readFileSync(tokensPath, "utf8")
			.trim()
			.split("\n")
			.map((line) => JSON.parse(line) as { uid: string; authToken: string });
		expect(tokens.map((token) => token.uid)).toEqual(["ann", "bob"]);
		expect(tokens.every((token) => TOKEN_PATTERN.test(token.authToken))).toBe(true);

		// The SDK's login(authToken) with one of them: GET /v3.0/me on the same database answers that user.
		const store = new KyselyStore({ kind: "sqlite", filename: path.join(dataDir, "latchkey.db") });
		try {
			const app = createApp({
				store,
				clock: systemClock,
				events: noEvents,
				publicEndpoint: parsePublicEndpoint("https://chat.example.test"),
				logger: pino({ level: "silent" }),
			});
			const me = await app.request("/v3.0/me", {
				headers: { appid: appId, authtoken: (tokens[1] as { authToken: string }).authToken },
			});
			expect({ status: me.status, uid: ((await me.json()) as { data: { uid: string } }).data.uid }).toEqual({
				status: 200,
				uid: "bob",
			});
			const wrong = await app.request("/v3.0/me", { headers: { appid: appId, authtoken: `${tokens[0]?.authToken}x` } });
			expect(wrong.status).toBe(401);
		} finally {
			await store.close();
		}

		// An existing tokens file is never overwritten.
		const again = await cli(["users", "import", file, "--with-tokens", "tokens.ndjson"]);
		expect(again).toEqual({
			code: 1,
			stdout: "",
			stderr: `error: ERR_BAD_REQUEST: The tokens file ${tokensPath} exists already; name a new one.`,
		});
		expect(readFileSync(tokensPath, "utf8").trim().split("\n")).toHaveLength(2);
	});
});

describe("latchkey users import (CSV)", () => {
	test("reads RFC 4180 quoting: commas, doubled quotes and line breaks in fields, JSON metadata, tags", async () => {
		writeFileSync(
			path.join(dataDir, "users.csv"),
			[
				"uid,name,metadata,tags,link",
				'ann,"Smith, Ann","{""team"":""blue""}",a;b,',
				'bob,"Bob ""the builder""",,"[""x"",""y""]",https://example.test/bob',
				'cy,"Cy',
				'Two lines",,,',
				"dee,Dee,{nope,,",
				"eve,Eve,,",
				"",
				"fay,Fay,,,",
			].join("\r\n"),
		);
		const run = await cli(["users", "import", "users.csv"]);
		expect({ ...run, stdout: withoutSeconds(run.stdout) }).toEqual({
			code: 1,
			stdout: [
				"line 6: ERR_BAD_REQUEST: metadata: The metadata must be valid JSON.",
				"line 7: ERR_BAD_REQUEST: The row has 4 fields; the header names 5.",
				"imported DIR/users.csv: 6 rows: 4 created, 0 updated, 0 skipped, 2 rejected (T s)",
			].join("\n"),
			stderr: "",
		});
		expect(await getUser("ann")).toMatchObject({ name: "Smith, Ann", metadata: { team: "blue" }, tags: ["a", "b"] });
		expect(await getUser("bob")).toMatchObject({
			name: 'Bob "the builder"',
			tags: ["x", "y"],
			link: "https://example.test/bob",
		});
		expect(await getUser("cy")).toMatchObject({ name: "Cy\nTwo lines" });
		expect(await getUser("fay")).toMatchObject({ name: "Fay" });
	});

	test("a header naming an unknown column, or no uid, stops the import before any row", async () => {
		writeFileSync(path.join(dataDir, "bad.csv"), "uid,name,email\nann,Ann,a@example.test\n");
		expect(await cli(["users", "import", "bad.csv"])).toEqual({
			code: 1,
			stdout: "",
			stderr:
				"error: ERR_BAD_REQUEST: The CSV header must name the columns (uid and any of name, avatar, link, role, statusMessage, metadata, tags, createdAt, lastActiveAt); unknown: email.",
		});
		writeFileSync(path.join(dataDir, "nouid.txt"), "name\nAnn\n");
		expect((await cli(["users", "import", "nouid.txt", "--format", "csv"])).code).toBe(1);
		expect(await getUser("ann")).toBeNull();
	});
});
