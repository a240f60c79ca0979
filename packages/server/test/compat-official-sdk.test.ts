import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCLI } from "../src/cli/main.ts";
import {
	callREST,
	findOfficialSDK,
	runScenario,
	type ScenarioRun,
	type ServerProcess,
	startServerProcess,
} from "./compat/harness.ts";

// The official @cometchat/chat-sdk-javascript@4.2.0 against a real Latchkey process over HTTPS/WSS.
// It is proprietary and never a dependency (spec/cometchat-sdk-wire.md §0): .ci/run installs it outside the
// tree and exports COMETCHAT_SDK_DIR; without it this suite skips.
const sdk = findOfficialSDK(process.env);
if ("skip" in sdk) console.log(`[compat] ${sdk.skip}`);
const SDK_DIR = "dir" in sdk ? sdk.dir : "";

let server: ServerProcess;
let scratch: string;

async function createUser(uid: string): Promise<void> {
	const res = await callREST(server, "POST", "/v3/users", {
		key: server.credentials.restApiKey,
		body: { uid, name: `User ${uid}` },
	});
	expect(res.status).toBe(200);
}

async function mintToken(uid: string): Promise<string> {
	const res = await callREST(server, "POST", `/v3/users/${uid}/auth_tokens`, { key: server.credentials.restApiKey });
	expect(res.status).toBe(200);
	return (res.body.data as { authToken: string }).authToken;
}

/** Every scenario: exited 0 by itself, ended with `done`, and no promise rejected unhandled. */
function expectClean(run: ScenarioRun): void {
	const tail = JSON.stringify(run.events, null, 1);
	expect(run.exitCode, `exit code\n${tail}\n${run.stderr}`).toBe(0);
	expect(run.get("done").unhandled, "unhandled rejections").toEqual([]);
}

const REQUEST_LOGIN_BY_KEY = (uid: string) => [
	{ method: "POST", path: `/v3.0/users/${uid}/auth_tokens` },
	{ method: "PUT", path: "/v3.0/me" },
];

describe.skipIf("skip" in sdk)("official CometChat SDK 4.2.0 against a Latchkey process", { timeout: 60_000 }, () => {
	beforeAll(async () => {
		scratch = mkdtempSync(path.join(tmpdir(), "latchkey-compat-storage-"));
		server = await startServerProcess();
		await Promise.all(["cc-logout", "cc-token", "cc-restore", "cc-errors", "cc-revoked", "cc-manual"].map(createUser));
	}, 60_000);

	afterAll(async () => {
		await server?.stop();
		rmSync(scratch, { recursive: true, force: true });
	});

	test.concurrent("login(uid, authKey) → getLoggedinUser → connected and pinged → logout() kills the token", async () => {
		const run = await runScenario(server, SDK_DIR, "login-logout.cjs", { COMPAT_UID: "cc-logout" });
		expectClean(run);
		expect(run.get("init")).toEqual({ event: "init", requests: 0 });
		expect(run.get("login")).toEqual({
			event: "login",
			uid: "cc-logout",
			name: "User cc-logout",
			tokenPrefix: "lkat_",
		});
		expect(run.get("getLoggedinUser")).toEqual({ event: "getLoggedinUser", uid: "cc-logout", sameToken: true });
		expect(run.get("authReply")).toEqual({ event: "authReply", code: "200" });
		expect(run.get("pong")).toEqual({ event: "pong" });
		expect(run.get("logout")).toEqual({ event: "logout", success: true });
		// Our 4001 (sent while DELETE /me runs) and the SDK's own close after the answer race; either is right.
		const { code, reason } = run.get("socketClosed");
		expect([
			{ code: 4001, reason: "logged_out" },
			{ code: 1000, reason: "User logged out" },
		]).toContainEqual({ code, reason });
		expect(run.get("storedUserAfterLogout")).toEqual({ event: "storedUserAfterLogout", present: false });
		expect(run.get("restAfterLogout")).toEqual({ event: "restAfterLogout", code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND" });
		expect(run.get("loginEvents").events).toEqual([
			{ kind: "loginSuccess", uid: "cc-logout" },
			{ kind: "logoutSuccess" },
		]);
		expect(run.get("requests").requests).toEqual([
			...REQUEST_LOGIN_BY_KEY("cc-logout"),
			{ method: "POST", path: "/v3.0/user_sessions" },
			{ method: "DELETE", path: "/v3.0/me" },
		]);
	});

	test.concurrent("login(authToken) with a REST-minted token: one PUT /me, socket accepted", async () => {
		const token = await mintToken("cc-token");
		const run = await runScenario(server, SDK_DIR, "login-token.cjs", { COMPAT_AUTH_TOKEN: token });
		expectClean(run);
		expect(run.get("login")).toEqual({ event: "login", uid: "cc-token", sameToken: true });
		expect(run.get("authReply")).toEqual({ event: "authReply", code: "200" });
		expect(run.get("requests").requests).toEqual([{ method: "PUT", path: "/v3.0/me" }]);
	});

	test.concurrent("updateCurrentUserDetails keeps authToken and jwt; a new process restores without a request", async () => {
		const storage = path.join(scratch, "restore.json");
		const saved = await runScenario(server, SDK_DIR, "restore-save.cjs", {
			COMPAT_UID: "cc-restore",
			COMPAT_STORAGE_OUT: storage,
		});
		expectClean(saved);
		expect(saved.get("updated")).toEqual({
			event: "updated",
			name: "Renamed cc-restore",
			storedName: "Renamed cc-restore",
			storedTokenKept: true,
			storedJWTKept: true,
		});
		const restored = await runScenario(server, SDK_DIR, "restore-load.cjs", { COMPAT_STORAGE_IN: storage });
		expectClean(restored);
		expect(restored.get("restored")).toEqual({
			event: "restored",
			uid: "cc-restore",
			name: "Renamed cc-restore",
			hasToken: true,
		});
		expect(restored.get("requestsAfterRestore").requests).toEqual([]);
		expect(restored.get("authReply")).toEqual({ event: "authReply", code: "200" });
		expect(restored.get("requests").requests).toEqual([]);

		const revoked = await runScenario(server, SDK_DIR, "restore-revoked.cjs", {
			COMPAT_STORAGE_IN: storage,
			COMPAT_REST_KEY: server.credentials.restApiKey,
		});
		expectClean(revoked);
		expect(revoked.get("deleted")).toEqual({ event: "deleted", success: true });
		expect(revoked.get("closed")).toEqual({ event: "closed", code: 4001, reason: "revoked" });
		expect(revoked.get("connectionStatus")).toEqual({ event: "connectionStatus", status: "disconnected" });
		expect(revoked.get("stillStored")).toEqual({ event: "stillStored", uid: "cc-restore" });
	});

	test.concurrent("autoEstablishSocketConnection(false): connect() opens an accepted socket, disconnect() closes it", async () => {
		const run = await runScenario(server, SDK_DIR, "manual-connect.cjs", { COMPAT_UID: "cc-manual" });
		expectClean(run);
		expect(run.get("login")).toEqual({ event: "login", uid: "cc-manual", socketEvents: 0 });
		expect(run.get("authFrame")).toEqual({ event: "authFrame", presence: "ALL_USERS" });
		expect(run.get("authReply")).toEqual({ event: "authReply", code: "200" });
		expect(run.get("closed")).toEqual({ event: "closed", code: 1000 });
	});

	test.concurrent("createUser(user, authKey), the same uid again, then login as the new user", async () => {
		const run = await runScenario(server, SDK_DIR, "create-user.cjs", { COMPAT_NEW_UID: "cc-created" });
		expectClean(run);
		expect(run.get("created")).toEqual({ event: "created", uid: "cc-created", name: "Created cc-created" });
		expect(run.get("duplicate").error).toMatchObject({ code: "ERR_UID_ALREADY_EXISTS" });
		expect(run.get("login")).toEqual({ event: "login", uid: "cc-created", name: "Created cc-created" });
	});

	const ERROR_CASES: Array<{
		name: string;
		env: () => Promise<Record<string, string>>;
		code: string;
		selfLogout: boolean;
	}> = [
		{
			name: "unknown-uid",
			env: async () => ({ COMPAT_UNKNOWN_UID: "nobody-here" }),
			code: "ERR_UID_NOT_FOUND",
			selfLogout: false,
		},
		{
			name: "wrong-auth-key",
			env: async () => ({
				COMPAT_UID: "cc-errors",
				COMPAT_WRONG_KEY: `${server.credentials.authKey.split(".")[0]}.${"x".repeat(43)}`,
			}),
			code: "AUTH_ERR_APIKEY_NOT_FOUND",
			selfLogout: false,
		},
		{
			name: "token-as-auth-key",
			env: async () => ({ COMPAT_UID: "cc-errors", COMPAT_WRONG_KEY: "not-a-key" }),
			code: "AUTH_ERR_APIKEY_NOT_FOUND",
			selfLogout: false,
		},
		{
			name: "unknown-token",
			env: async () => ({ COMPAT_AUTH_TOKEN: `lkat_${"0".repeat(20)}.${"A".repeat(43)}` }),
			code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			selfLogout: true,
		},
		{
			name: "revoked-token",
			env: async () => {
				const token = await mintToken("cc-errors");
				const res = await callREST(server, "DELETE", `/v3/users/cc-errors/auth_tokens/${encodeURIComponent(token)}`, {
					key: server.credentials.restApiKey,
				});
				expect(res.status).toBe(200);
				return { COMPAT_AUTH_TOKEN: token };
			},
			code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
			selfLogout: true,
		},
	];

	for (const errorCase of ERROR_CASES) {
		test.concurrent(`login error ${errorCase.name} surfaces ${errorCase.code}`, async () => {
			const run = await runScenario(server, SDK_DIR, "login-error.cjs", {
				COMPAT_CASE: errorCase.name,
				...(await errorCase.env()),
			});
			expectClean(run);
			expect(run.get("result").error).toMatchObject({ code: errorCase.code });
			expect(run.get("loggedInAfter")).toEqual({ event: "loggedInAfter", user: null });
			expect(run.get("loginEvents").events).toEqual([
				{ kind: "loginFailure", code: errorCase.code },
				...(errorCase.selfLogout ? [{ kind: "logoutSuccess" }] : []),
			]);
		});
	}

	test.concurrent("deleting the token through REST closes the SDK's socket (4001 revoked); it then logs itself out", async () => {
		const run = await runScenario(server, SDK_DIR, "revoked-while-connected.cjs", {
			COMPAT_UID: "cc-revoked",
			COMPAT_REST_KEY: server.credentials.restApiKey,
		});
		expectClean(run);
		const revoked = run.get("revoked");
		console.log(`[compat] REST token delete → official SDK socket closed after ${revoked.closeAfterMs} ms`);
		expect(revoked).toMatchObject({ deleted: true, code: 4001, reason: "revoked" });
		expect(run.get("onDisconnected")).toEqual({ event: "onDisconnected" });
		expect(run.get("connectionStatus")).toEqual({ event: "connectionStatus", status: "disconnected" });
		expect(run.get("nextCall").error).toMatchObject({ code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND" });
		expect(run.get("selfLogout")).toEqual({ event: "selfLogout", loggedIn: null, stored: false });
	});

	test("the Auth Key guardrails (issue 15) as the SDK sees them: off, disabled, allowlist", async () => {
		// A second app, made and configured by the CLI on the server's data dir, so the other scenarios keep theirs.
		const cli = async (...argv: string[]): Promise<Record<string, unknown>> => {
			const out: string[] = [];
			const code = await runCLI([...argv, "--json"], {
				env: { LATCHKEY_DATA_DIR: server.dataDir },
				cwd: server.dataDir,
				stdout: (line) => out.push(line),
				stderr: (line) => out.push(line),
			});
			expect(code, out.join("\n")).toBe(0);
			return JSON.parse(out.join("\n")) as Record<string, unknown>;
		};
		const app = (await cli("apps", "create", "--name", "Guarded")) as {
			appId: string;
			authKey: string;
			restApiKey: string;
		};
		// The server learns of the CLI's writes within about 250 ms (its foreign-write check): wait, bounded, until
		// its API answers the settings the CLI just set.
		const settle = async (authKeyLogin: string): Promise<void> => {
			const started = Date.now();
			while (Date.now() - started < 5_000) {
				const res = await callREST(server, "GET", "/v3/security", { key: app.restApiKey, appId: app.appId });
				if ((res.body.data as { authKeyLogin?: string }).authKeyLogin === authKeyLogin) return;
			}
			throw new Error(`the server never saw authKeyLogin ${authKeyLogin}`);
		};
		const guarded = (uid: string, newUid: string) =>
			runScenario(server, SDK_DIR, "auth-key-guardrail.cjs", {
				COMPAT_APP_ID: app.appId,
				COMPAT_AUTH_KEY: app.authKey,
				COMPAT_UID: uid,
				COMPAT_NEW_UID: newUid,
			});
		const noAccess = (message: string) => ({
			error: { code: "AUTH_ERR_NO_ACCESS", message },
		});

		let run = await guarded("superhero1", "gr-open");
		expectClean(run);
		expect([run.get("login"), run.get("createUser")]).toEqual([
			{ event: "login", uid: "superhero1" },
			{ event: "createUser", uid: "gr-open" },
		]);

		await cli("security", "set", "--app", app.appId, "--auth-key-login", "disabled");
		await settle("disabled");
		run = await guarded("superhero1", "gr-closed");
		expectClean(run);
		const disabled = noAccess(
			"The Auth Key is disabled for this app: log users in with auth tokens your backend creates with a REST API key.",
		);
		expect([run.get("login"), run.get("createUser")]).toEqual([
			{ event: "login", ...disabled },
			{ event: "createUser", ...disabled },
		]);

		await cli(
			"security",
			"set",
			"--app",
			app.appId,
			"--auth-key-login",
			"allowlist",
			"--auth-key-uid-allowlist",
			"superhero2",
		);
		await settle("allowlist");
		run = await guarded("superhero2", "gr-stranger");
		expectClean(run);
		expect([run.get("login"), run.get("createUser")]).toEqual([
			{ event: "login", uid: "superhero2" },
			{ event: "createUser", ...noAccess("The Auth Key may not be used for the UID gr-stranger in this app.") },
		]);
	});
});
