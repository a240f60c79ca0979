import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { measureLoad } from "../load.ts";
import { readRSSBytes, startChild } from "../processes.ts";
import { createRow, type HttpRow } from "../results.ts";
import type { ScenarioContext } from "./context.ts";

const EMAIL = "bench@example.com";

/** Signs the bench user up and returns the session cookie better-auth set. */
async function signUp(baseURL: string, password: string): Promise<string> {
	const response = await fetch(`${baseURL}/api/auth/sign-up/email`, {
		method: "POST",
		headers: { "content-type": "application/json", origin: baseURL },
		body: JSON.stringify({ email: EMAIL, password, name: "Bench" }),
	});
	if (response.status !== 200) throw new Error(`better-auth sign-up answered ${response.status}`);
	const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(";")[0] ?? "");
	const session = cookies.find((cookie) => cookie.startsWith("better-auth.session_token="));
	if (!session) throw new Error("better-auth sign-up set no session cookie");
	return session;
}

/** better-auth's get-session and sign-in/email, in its own process, with the same load settings. */
export async function runPeerScenarios(context: ScenarioContext): Promise<HttpRow[]> {
	if (!context.isSelected("peer")) return [];
	const dataDir = mkdtempSync(path.join(os.tmpdir(), "latchkey-bench-peer-"));
	const server = await startChild({
		entry: "bench/children/better-auth-server.ts",
		args: [dataDir, randomBytes(32).toString("base64url")],
		env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), NODE_ENV: "production" },
		readyPattern: /ready port (\d+)/,
	});
	const rows: HttpRow[] = [];
	try {
		const baseURL = `http://127.0.0.1:${server.ready}`;
		const password = randomBytes(12).toString("base64url");
		const cookie = await signUp(baseURL, password);

		context.log("better-auth get-session");
		const session = await measureLoad(
			{ url: `${baseURL}/api/auth/get-session`, headers: { cookie }, serverPid: server.pid },
			context.settings,
		);
		rows.push(
			createRow(
				{
					scenario: "peer-get-session",
					title: "better-auth: GET /api/auth/get-session (cookie)",
					system: "better-auth",
					store: "sqlite",
					load: session,
					serverRSSBytes: readRSSBytes(server.pid),
				},
				context.baseline,
			),
		);

		context.log("better-auth sign-in/email");
		// Each sign-in costs ~100 ms of scrypt and 50 of them interleave, so none would finish inside a smoke
		// run's 1.5 s window; the smoke only needs to see it work, with a couple of connections.
		const signInSettings = context.smoke ? { ...context.settings, connections: 2 } : context.settings;
		const signIn = await measureLoad(
			{
				url: `${baseURL}/api/auth/sign-in/email`,
				method: "POST",
				headers: { "content-type": "application/json", origin: baseURL },
				body: JSON.stringify({ email: EMAIL, password }),
				serverPid: server.pid,
			},
			signInSettings,
		);
		rows.push(
			createRow(
				{
					scenario: "peer-sign-in",
					title: "better-auth: POST /api/auth/sign-in/email",
					system: "better-auth",
					store: "sqlite",
					load: signIn,
					serverRSSBytes: readRSSBytes(server.pid),
					note: "verifies a scrypt password hash per request (slow by design)",
				},
				context.baseline,
			),
		);
	} finally {
		await server.stop();
		rmSync(dataDir, { recursive: true, force: true });
	}
	return rows;
}
