import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { type CLIRun, runCLIIn } from "./cli-runner.ts";
import { TestIssuer } from "./identity-issuer.ts";
import { makeTempDir } from "./process.ts";

// latchkey idp add|list|remove (issue 18), in-process on a fresh data dir.

let dataDir: string;
beforeEach(() => {
	dataDir = makeTempDir("cli-idp");
});

async function cli(...argv: string[]): Promise<CLIRun> {
	return await cliWith({}, ...argv);
}

async function cliWith(env: Record<string, string>, ...argv: string[]): Promise<CLIRun> {
	return await runCLIIn(dataDir, argv, { env });
}

async function cliJSON<T>(...argv: string[]): Promise<T> {
	const run = await cli(...argv, "--json");
	expect(run).toMatchObject({ code: 0, stderr: "" });
	return JSON.parse(run.stdout) as T;
}

describe("latchkey idp", () => {
	test("add with a key set URL, list, remove", async () => {
		await cliJSON("apps", "create", "--name", "Demo");
		const added = await cliJSON<Record<string, unknown>>(
			"idp",
			"add",
			"--issuer",
			"https://example.eu.auth0.com/",
			"--jwks-uri",
			"https://example.eu.auth0.com/.well-known/jwks.json",
			"--audience",
			"https://chat.example.test, chat-ios",
			"--uid-prefix",
			"a0-",
			"--uid-mapping",
			"sanitize",
			"--name-claim",
			"name",
			"--no-create-users",
		);
		expect(added).toEqual({
			id: expect.stringMatching(/^lkip_[0-9a-f]{20}$/),
			issuer: "https://example.eu.auth0.com/",
			jwksUri: "https://example.eu.auth0.com/.well-known/jwks.json",
			audiences: ["https://chat.example.test", "chat-ios"],
			algorithms: ["RS256"],
			uidClaim: "sub",
			nameClaim: "name",
			clockSkewSeconds: 60,
			createUsers: false,
			uidPrefix: "a0-",
			uidMapping: "sanitize",
			createdAt: expect.any(Number),
		});
		const listed = await cliJSON<{ data: unknown[] }>("idp", "list");
		expect(listed.data).toEqual([added]);
		const text = await cli("idp", "list");
		expect(text.stdout.split("\n")[0]).toMatch(/^id +issuer +audiences +algorithms +uidMapping +createUsers$/);
		expect(await cliJSON("idp", "remove", String(added.id))).toEqual({ deleted: added.id });
		expect((await cliJSON<{ data: unknown[] }>("idp", "list")).data).toEqual([]);
	});

	test("add with an inline key set from a file", async () => {
		await cliJSON("apps", "create", "--name", "Demo");
		const issuer = TestIssuer.offline("https://login.example.test/");
		await issuer.addKey("key-1");
		writeFileSync(path.join(dataDir, "jwks.json"), JSON.stringify(issuer.jwks()));
		const added = await cliJSON<Record<string, unknown>>(
			"idp",
			"add",
			"--issuer",
			issuer.issuer,
			"--jwks-file",
			"jwks.json",
			"--audience",
			"chat",
			"--algorithms",
			"ES256",
			"--clock-skew-seconds",
			"30",
		);
		expect([added.jwks, added.algorithms, added.clockSkewSeconds]).toEqual([issuer.jwks(), ["ES256"], 30]);
	});

	test("a refused provider exits 1 with the API's code; an unknown id too; a bad file is a usage error", async () => {
		await cliJSON("apps", "create", "--name", "Demo");
		const refused = await cli("idp", "add", "--issuer", "x", "--jwks-uri", "http://example.test/k", "--audience", "a");
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain("error: ERR_BAD_REQUEST:");
		const unknown = await cli("idp", "remove", "lkip_00000000000000000000");
		expect(unknown).toEqual({
			code: 1,
			stdout: "",
			stderr:
				"error: ERR_IDENTITY_PROVIDER_NOT_FOUND: The identity provider lkip_00000000000000000000 does not exist in this app.",
		});
		const missing = await cli("idp", "add", "--issuer", "x", "--jwks-file", "nope.json", "--audience", "a");
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain("--jwks-file nope.json");
	});

	test("an http key set URL on loopback needs LATCHKEY_IDP_ALLOW_HTTP", async () => {
		await cliJSON("apps", "create", "--name", "Demo");
		const args = ["idp", "add", "--issuer", "http://127.0.0.1:9/", "--jwks-uri", "http://127.0.0.1:9/jwks.json"];
		const refused = await cli(...args, "--audience", "a");
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain("The jwksUri must be an https URL.");
		const allowed = await cliWith({ LATCHKEY_IDP_ALLOW_HTTP: "1" }, ...args, "--audience", "a", "--json");
		expect(allowed.code).toBe(0);
		expect((JSON.parse(allowed.stdout) as { jwksUri: string }).jwksUri).toBe("http://127.0.0.1:9/jwks.json");
	});
});
