import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { callREST, findOfficialSDK, runScenario, type ServerProcess, startServerProcess } from "./compat/harness.ts";

// Issue 14: the official @cometchat/chat-sdk-javascript@4.2.0 reading users with a logged-in user's token
// (getUser and UsersRequestBuilder), against a real Latchkey process. Skipped without COMETCHAT_SDK_DIR (.ci/run
// installs the SDK outside the tree).
const sdk = findOfficialSDK(process.env);
if ("skip" in sdk) console.log(`[compat] ${sdk.skip}`);
const SDK_DIR = "dir" in sdk ? sdk.dir : "";

let server: ServerProcess;

async function rest(method: string, path: string, body?: unknown): Promise<void> {
	const res = await callREST(server, method, path, { key: server.credentials.restApiKey, body });
	expect(res.status).toBe(200);
}

describe.skipIf("skip" in sdk)(
	"official SDK 4.2.0: getUser and UsersRequest with an auth token",
	{ timeout: 60_000 },
	() => {
		beforeAll(async () => {
			server = await startServerProcess();
			await rest("POST", "/v3/users", { uid: "ur-viewer", name: "Viewer" });
			for (const n of [1, 2, 3, 4, 5]) {
				await rest("POST", "/v3/users", {
					uid: `ur-al${n}`,
					name: `Al ${n}`,
					metadata: { "@private": { email: `al${n}@example.com` }, team: "a" },
				});
			}
			await rest("POST", "/v3/users", { uid: "ur-gone", name: "Gone" });
			await rest("DELETE", "/v3/users/ur-gone");
		}, 60_000);

		afterAll(async () => {
			await server?.stop();
		});

		test("getUser, paging to the end, status filters, deactivated invisible, revoked token refused", async () => {
			const minted = await callREST(server, "POST", "/v3/users/ur-viewer/auth_tokens", {
				key: server.credentials.restApiKey,
			});
			const token = (minted.body.data as { authToken: string }).authToken;
			const run = await runScenario(server, SDK_DIR, "users-request.cjs", {
				COMPAT_AUTH_TOKEN: token,
				COMPAT_REST_KEY: server.credentials.restApiKey,
			});
			const tail = JSON.stringify(run.events, null, 1);
			expect(run.exitCode, `exit code\n${tail}\n${run.stderr}`).toBe(0);
			expect(run.get("done").unhandled).toEqual([]);
			expect(run.get("login")).toEqual({ event: "login", uid: "ur-viewer" });
			// The client view: no metadata by default (CometChat's SDK turns an absent one into undefined).
			expect(run.get("getUser")).toEqual({
				event: "getUser",
				result: { uid: "ur-al1", name: "Al 1", status: "offline", metadata: null },
			});
			expect(run.get("getDeactivated").error).toMatchObject({ code: "ERR_UID_NOT_FOUND" });
			expect(run.get("paged")).toEqual({
				event: "paged",
				pages: [["ur-al1", "ur-al2"], ["ur-al3", "ur-al4"], ["ur-al5"], []],
			});
			// The viewer's own SDK socket is what makes it online.
			expect(run.get("online")).toEqual({
				event: "online",
				users: [{ uid: "ur-viewer", name: "Viewer", status: "online", metadata: null }],
			});
			expect(run.get("offline")).toEqual({
				event: "offline",
				uids: ["ur-al1", "ur-al2", "ur-al3", "ur-al4", "ur-al5"],
			});
			expect(run.get("deactivated")).toEqual({ event: "deactivated", uids: [] });
			const queries = run.get("queries").queries as string[];
			console.log(`[compat] UsersRequest queries:\n${queries.join("\n")}`);
			expect(queries).toEqual([
				"GET /v3.0/users/UR-AL1",
				"GET /v3.0/users/ur-gone",
				"GET /v3.0/users?per_page=2&searchKey=ur-al&page=1",
				"GET /v3.0/users?per_page=2&searchKey=ur-al&page=2",
				"GET /v3.0/users?per_page=2&searchKey=ur-al&page=3",
				// Past the last page: the SDK still asks, and gets an empty page.
				"GET /v3.0/users?per_page=2&searchKey=ur-al&page=4",
				"GET /v3.0/users?per_page=30&searchKey=ur-&status=available&page=1",
				"GET /v3.0/users?per_page=30&searchKey=ur-&status=offline&page=1",
				"GET /v3.0/users?per_page=30&searchKey=ur-gone&page=1",
			]);
			expect(run.get("revoked")).toEqual({ event: "revoked", status: 200 });
			expect(run.get("afterRevoke").error).toMatchObject({ code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND" });
		});
	},
);
