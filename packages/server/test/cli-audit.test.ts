import { beforeEach, describe, expect, test } from "vitest";
import type { AuditEvent } from "../src/audit/audit-event.ts";
import { maskCredential } from "../src/domain/secrets.ts";
import { type CLIRun, runCLIIn } from "./cli-runner.ts";
import { makeTempDir } from "./process.ts";

// Issue 16: what the CLI changes is audited as the CLI's, and `latchkey audit` shows an app's log.

let dataDir: string;

async function cli(...argv: string[]): Promise<CLIRun> {
	return await runCLIIn(dataDir, argv);
}

async function cliJSON<T>(...argv: string[]): Promise<T> {
	const run = await cli(...argv, "--json");
	expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
	return JSON.parse(run.stdout) as T;
}

interface AuditPage {
	data: AuditEvent[];
	meta: { cursor: { next: string | null } };
}

const CLI_EVENT = {
	id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
	actor: { kind: "cli", id: null },
	ip: null,
	userAgent: null,
	createdAt: expect.any(Number),
};

let appId: string;
let token: string;

beforeEach(async () => {
	dataDir = makeTempDir("cli-audit");
	appId = (await cliJSON<{ appId: string }>("apps", "create", "--name", "Audited")).appId;
	expect((await cli("users", "create", "--uid", "alice", "--name", "Alice")).code).toBe(0);
	token = (await cliJSON<{ authToken: string }>("tokens", "create", "alice")).authToken;
	expect((await cli("tokens", "flush", "alice")).code).toBe(0);
});

describe("latchkey audit", () => {
	test("the CLI's changes are recorded with the cli actor, no address, and no secret", async () => {
		const page = await cliJSON<AuditPage>("audit");
		const masked = maskCredential(token.slice(0, token.indexOf(".")));
		expect(page).toEqual({
			data: [
				{ ...CLI_EVENT, type: "token.revoked", appId, subject: masked, details: { uid: "alice", reason: "flushed" } },
				{ ...CLI_EVENT, type: "token.created", appId, subject: masked, details: { uid: "alice" } },
				{ ...CLI_EVENT, type: "user.created", appId, subject: "alice", details: { uid: "alice" } },
			],
			meta: { cursor: { next: null } },
		});
		expect(JSON.stringify(page)).not.toContain(token.slice(token.indexOf(".") + 1));
	});

	test("filters by type and uid, and pages with --limit and --cursor", async () => {
		const created = await cliJSON<AuditPage>("audit", "--type", "user.created", "--uid", "ALICE");
		expect(created.data.map((event) => event.type)).toEqual(["user.created"]);
		const first = await cliJSON<AuditPage>("audit", "--limit", "2");
		expect(first.data.map((event) => event.type)).toEqual(["token.revoked", "token.created"]);
		const next = first.meta.cursor.next;
		expect(next).toEqual(expect.any(String));
		const second = await cliJSON<AuditPage>("audit", "--limit", "2", "--cursor", next as string);
		expect(second).toEqual({
			data: [expect.objectContaining({ type: "user.created" })],
			meta: { cursor: { next: null } },
		});
	});

	test("--since takes 30m/24h/7d ago, an ISO 8601 time or unix ms", async () => {
		expect((await cliJSON<AuditPage>("audit", "--since", "1h")).data).toHaveLength(3);
		expect((await cliJSON<AuditPage>("audit", "--since", "2999-01-01")).data).toEqual([]);
		expect((await cliJSON<AuditPage>("audit", "--until", String(Date.now() + 60_000))).data).toHaveLength(3);
	});

	test("prints a table for people, times in ISO 8601", async () => {
		const run = await cli("audit", "--type", "token.revoked");
		expect(run.code).toBe(0);
		const lines = run.stdout.split("\n");
		expect(lines[0]).toMatch(/^time +type +subject +actor +ip +details$/);
		expect(lines[1]).toMatch(
			/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z +token\.revoked +lkat_[0-9a-f]{20}\.\*{8} +cli +\{"uid":"alice","reason":"flushed"\}$/,
		);
		expect(lines).toHaveLength(2);
	});

	test("a malformed option is error: ERR_BAD_REQUEST naming it, exit 1", async () => {
		expect(await cli("audit", "--since", "yesterday")).toEqual({
			code: 1,
			stdout: "",
			stderr:
				"error: ERR_BAD_REQUEST: --since: The since must be a time in unix milliseconds or an ISO 8601 date-time.",
		});
		expect(await cli("audit", "--type", "nope")).toMatchObject({
			code: 1,
			stderr: expect.stringMatching(/^error: ERR_BAD_REQUEST: --type: The type must be one of user\.created, /),
		});
		expect(await cli("audit", "--app", "nosuchapp")).toEqual({
			code: 1,
			stdout: "",
			stderr: "error: AUTH_ERR_INVALID_APPID: The appId nosuchapp does not exist.",
		});
	});
});
