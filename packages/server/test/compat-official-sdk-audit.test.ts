import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AuditEvent } from "../src/audit/audit-event.ts";
import { callREST, findOfficialSDK, runScenario, type ServerProcess, startServerProcess } from "./compat/harness.ts";

// Issue 16, "done when": the official SDK's login(uid, authKey) and logout() produce login.succeeded,
// token.created and token.revoked with the right actors, in a real Latchkey process. Skips without the SDK
// (COMETCHAT_SDK_DIR, as compat-official-sdk.test.ts).
const sdk = findOfficialSDK(process.env);
const SDK_DIR = "dir" in sdk ? sdk.dir : "";

let server: ServerProcess;

describe.skipIf("skip" in sdk)(
	"official CometChat SDK 4.2.0: the audit log of a login and a logout",
	{ timeout: 60_000 },
	() => {
		beforeAll(async () => {
			server = await startServerProcess();
			const res = await callREST(server, "POST", "/v3/users", {
				key: server.credentials.restApiKey,
				body: { uid: "cc-audit", name: "User cc-audit" },
			});
			expect(res.status).toBe(200);
		}, 60_000);

		afterAll(async () => {
			await server?.stop();
		});

		test("login(uid, authKey) → logout(): token.created and login.succeeded by the Auth Key, the PUT /me login and the logout by the user", async () => {
			const run = await runScenario(server, SDK_DIR, "login-logout.cjs", { COMPAT_UID: "cc-audit" });
			expect(run.exitCode, run.stderr).toBe(0);
			const res = await callREST(server, "GET", "/v3/audit_log?uid=cc-audit", { key: server.credentials.restApiKey });
			expect(res.status).toBe(200);
			const events = (res.body.data as AuditEvent[]).reverse();
			const authKeyId = server.credentials.authKey.slice(0, server.credentials.authKey.indexOf("."));
			const restKeyId = server.credentials.restApiKey.slice(0, server.credentials.restApiKey.indexOf("."));
			const tokenId = events.find((event) => event.type === "token.created")?.subject;
			expect(tokenId).toMatch(/^lkat_[0-9a-f]{20}\.\*{8}$/);
			const client = { ip: "127.0.0.1", userAgent: expect.any(String) };
			expect(events.map(({ id: _id, createdAt: _createdAt, appId: _appId, ...rest }) => rest)).toEqual([
				{
					type: "user.created",
					actor: { kind: "apiKey", id: restKeyId },
					subject: "cc-audit",
					details: { uid: "cc-audit" },
					ip: "127.0.0.1",
					userAgent: null,
				},
				{
					type: "token.created",
					actor: { kind: "apiKey", id: authKeyId },
					subject: tokenId,
					details: { uid: "cc-audit", platform: "WEB" },
					...client,
				},
				{
					type: "login.succeeded",
					actor: { kind: "apiKey", id: authKeyId },
					subject: "cc-audit",
					details: { uid: "cc-audit", method: "authKey", tokenId },
					...client,
				},
				{
					type: "login.succeeded",
					actor: { kind: "user", id: "cc-audit" },
					subject: "cc-audit",
					details: { uid: "cc-audit", method: "authToken", tokenId },
					...client,
				},
				{
					type: "token.revoked",
					actor: { kind: "user", id: "cc-audit" },
					subject: tokenId,
					details: { uid: "cc-audit", reason: "logged_out" },
					...client,
				},
			]);
			expect(JSON.stringify(events)).not.toMatch(/lk(at|ak)_[0-9a-f]{20}\.(?!\*{8})/);
		});
	},
);
