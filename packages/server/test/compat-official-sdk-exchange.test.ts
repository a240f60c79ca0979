import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { callREST, findOfficialSDK, runScenario, type ServerProcess, startServerProcess } from "./compat/harness.ts";
import { TestIssuer } from "./identity-issuer.ts";

// Issue 18: a JWT of the app's own identity provider, exchanged with only the appid, logs the official
// @cometchat/chat-sdk-javascript@4.2.0 in through login(authToken) unchanged, against a real Latchkey process.
// Skipped without COMETCHAT_SDK_DIR, as the other official-SDK suites are (.ci/run installs the SDK).
const sdk = findOfficialSDK(process.env);
if ("skip" in sdk) console.log(`[compat] ${sdk.skip}`);
const SDK_DIR = "dir" in sdk ? sdk.dir : "";

let server: ServerProcess;
let issuer: TestIssuer;

describe.skipIf("skip" in sdk)(
	"official CometChat SDK 4.2.0 with a token from the exchange",
	{ timeout: 60_000 },
	() => {
		beforeAll(async () => {
			server = await startServerProcess();
			issuer = TestIssuer.offline("https://login.example.test/");
			await issuer.addKey("key-1");
			// An inline key set: the server process needs no network and no LATCHKEY_IDP_ALLOW_HTTP.
			const res = await callREST(server, "POST", "/v3/identity_providers", {
				key: server.credentials.restApiKey,
				body: {
					issuer: issuer.issuer,
					jwks: issuer.jwks(),
					audiences: ["chat"],
					algorithms: ["ES256"],
					nameClaim: "name",
				},
			});
			expect(res.status).toBe(200);
		}, 60_000);

		afterAll(async () => {
			await server?.stop();
		});

		test("one POST /auth_tokens/exchange creates the user; login(authToken) then makes one PUT /me and the socket is accepted", async () => {
			// The real process's clock: the token is valid now.
			const now = Math.floor(Date.now() / 1000);
			const idToken = await issuer.sign({
				sub: "cc-exchange",
				name: "Exchanged User",
				aud: "chat",
				iat: now,
				exp: now + 300,
			});
			const exchanged = await callREST(server, "POST", "/v3.0/auth_tokens/exchange", { body: { token: idToken } });
			expect(exchanged.status).toBe(200);
			const data = exchanged.body.data as { uid: string; name: string; authToken: string };
			expect([data.uid, data.name]).toEqual(["cc-exchange", "Exchanged User"]);

			const run = await runScenario(server, SDK_DIR, "login-token.cjs", { COMPAT_AUTH_TOKEN: data.authToken });
			expect(run.exitCode, `${JSON.stringify(run.events, null, 1)}\n${run.stderr}`).toBe(0);
			expect(run.get("done").unhandled).toEqual([]);
			expect(run.get("login")).toEqual({ event: "login", uid: "cc-exchange", sameToken: true });
			expect(run.get("authReply")).toEqual({ event: "authReply", code: "200" });
			expect(run.get("requests").requests).toEqual([{ method: "PUT", path: "/v3.0/me" }]);
		});
	},
);
