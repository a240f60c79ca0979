import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import type { Credentials } from "../src/bootstrap.ts";
import { findFreePort, makeTempDir, requestJSON, type ServerProcess, startServerProcess } from "./process.ts";
import { within } from "./wait.ts";
import { type Receiver, startReceiver } from "./webhooks-support.ts";

// Issue 16: a server process killed (SIGKILL, no shutdown) after an event committed and before its delivery
// succeeded loses nothing: the next process on the same data delivers it.

const processes: ServerProcess[] = [];
let receiver: Receiver | null = null;
let dataDir: string | null = null;
afterEach(async () => {
	for (const server of processes.splice(0)) await server.stop();
	await receiver?.close();
	receiver = null;
	if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	dataDir = null;
});

/** The longest first retry (docs/webhooks.md: 5-10 s), plus the start of the second process. */
const RETRY_WAIT_MS = 20_000;

test("a delivery pending when the server is killed is sent by the next server on the same data", async () => {
	dataDir = makeTempDir("webhooks-kill");
	const [port, receiverPort] = [await findFreePort(), await findFreePort()];
	const env = { PORT: String(port), LATCHKEY_DATA_DIR: dataDir, LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "1" };
	const base = `http://127.0.0.1:${port}`;
	const first = await startServerProcess(env);
	processes.push(first);
	const credentials = JSON.parse(readFileSync(path.join(dataDir, "credentials.json"), "utf8")) as Credentials;
	const rest = { appid: credentials.appId, apikey: credentials.restApiKey };
	// Nothing listens on the receiver's port yet: every attempt of the first process fails.
	const created = await requestJSON(base, "POST", "/v3/webhooks", rest, {
		url: `http://127.0.0.1:${receiverPort}/hook`,
		events: ["token.created"],
	});
	expect(created.status).toBe(200);
	const deliveriesPath = `/v3/webhooks/${created.json.data?.id}/deliveries`;
	const login = await requestJSON(
		base,
		"POST",
		"/v3.0/users/superhero1/auth_tokens",
		{ appid: credentials.appId, apikey: credentials.authKey },
		{},
	);
	expect(login.status).toBe(200);
	// Its first attempt is recorded (refused connection), so the row is pending and not held by this process.
	await within(
		(async () => {
			for (;;) {
				const list = await requestJSON(base, "GET", deliveriesPath, rest);
				const [row] = (list.json.data ?? []) as unknown as Array<{ attempts: number }>;
				if (row && row.attempts >= 1) return;
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
		})(),
		"the first, failed attempt",
	);
	first.child.kill("SIGKILL");
	await first.exited;
	processes.splice(processes.indexOf(first), 1);

	receiver = await startReceiver(() => 204, { port: receiverPort });
	const second = await startServerProcess(env);
	processes.push(second);
	await receiver.waitForRequests(1, RETRY_WAIT_MS);
	expect(JSON.parse(receiver.requests[0]?.body ?? "{}")).toMatchObject({
		type: "token.created",
		subject: expect.any(String),
	});
	await within(
		(async () => {
			for (;;) {
				const list = await requestJSON(base, "GET", deliveriesPath, rest);
				const [row] = (list.json.data ?? []) as unknown as Array<{ status: string }>;
				if (row?.status === "delivered") return;
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
		})(),
		"the delivery recorded as delivered",
	);
	const list = await requestJSON(base, "GET", deliveriesPath, rest);
	expect(list.json.data).toMatchObject([{ status: "delivered", attempts: 2, lastResponseCode: 204 }]);
	expect(receiver.requests).toHaveLength(1);
}, 60_000);
