import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { WebSocket } from "ws";
import {
	buildServer,
	cliArgs,
	findFreePort,
	makeTempDir,
	requestJSON,
	runProcess,
	type ServerProcess,
	startServerProcess,
} from "./process.ts";
import { within } from "./wait.ts";

// The real `latchkey` binary (bin/latchkey.js over the build): what a person types, with real exit codes and
// streams (issue 13 item 3).

const running: ServerProcess[] = [];
beforeAll(async () => {
	await buildServer();
}, 120_000);
afterAll(async () => {
	await Promise.all(running.map((server) => server.stop()));
});

const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
	.version;

test("latchkey serve --help prints its usage and exits 0 without starting a server", async () => {
	const run = await runProcess(cliArgs("serve", "--help"), { LATCHKEY_DATA_DIR: makeTempDir("cli-process") });
	expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
	expect(run.stdout).toMatch(/^usage: latchkey serve \[--json\]\n/);
});

test("latchkey --version prints the package's version", async () => {
	const run = await runProcess(cliArgs("--version"), {});
	expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
	expect(run.stdout).toMatch(new RegExp(`^${VERSION.replaceAll(".", "\\.")} \\(schema \\d{4}-[a-z0-9-]+\\)\n$`));
});

test("an unknown option exits 2 with error: on stderr; a --json error is a JSON object on stderr, exit 1", async () => {
	const dataDir = path.join(makeTempDir("cli-process"), "missing");
	expect(await runProcess(cliArgs("migrate", "--bogus"), { LATCHKEY_DATA_DIR: dataDir })).toEqual({
		code: 2,
		stdout: "",
		stderr: "error: ERR_USAGE: unknown option --bogus (see `latchkey migrate --help`)\n",
	});
	const run = await runProcess(cliArgs("apps", "list", "--json"), { LATCHKEY_DATA_DIR: dataDir });
	expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: "" });
	expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: "ERR_DATA_DIR_NOT_FOUND", details: { dataDir } } });
});

test("apps delete with stdin not a terminal and without --yes is refused", async () => {
	const dataDir = makeTempDir("cli-process");
	const created = await runProcess(cliArgs("apps", "create", "--name", "Doomed", "--json"), {
		LATCHKEY_DATA_DIR: dataDir,
	});
	const { appId } = JSON.parse(created.stdout) as { appId: string };
	const refused = await runProcess(cliArgs("apps", "delete", appId), { LATCHKEY_DATA_DIR: dataDir });
	expect(refused).toEqual({
		code: 1,
		stdout: "",
		stderr: `error: ERR_CONFIRMATION_REQUIRED: Deleting the app ${appId} cannot be undone: pass --yes to confirm (on a terminal you are asked instead).\n`,
	});
	const deleted = await runProcess(cliArgs("apps", "delete", appId, "--yes"), { LATCHKEY_DATA_DIR: dataDir });
	expect(deleted.code).toBe(0);
});

test("apps delete by the CLI closes the running server's sockets of that app; other apps keep theirs", async () => {
	const dataDir = makeTempDir("cli-process");
	const port = await findFreePort();
	const server = await startServerProcess({ PORT: String(port), LATCHKEY_DATA_DIR: dataDir });
	running.push(server);
	const base = `http://127.0.0.1:${port}`;
	const cli = async (...args: string[]): Promise<Record<string, unknown>> => {
		const run = await runProcess(cliArgs(...args, "--json"), { LATCHKEY_DATA_DIR: dataDir });
		expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
		return JSON.parse(run.stdout) as Record<string, unknown>;
	};
	const doomed = String((await cli("apps", "create", "--name", "Doomed")).appId);

	/** A socket authenticated as superhero1 of the app, and a promise of its close. */
	async function connect(
		appId: string,
	): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }>; frames: unknown[] }> {
		const token = String((await cli("tokens", "create", "superhero1", "--app", appId)).authToken);
		const me = await requestJSON(base, "PUT", "/v3.0/me", { appid: appId, authtoken: token }, { platform: "WEB" });
		const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
		socket.on("error", () => {});
		const closed = new Promise<{ code: number; reason: string }>((resolve) => {
			socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
		});
		const frames: unknown[] = [];
		const authenticated = new Promise<unknown>((resolve) => {
			socket.on("message", (data) => {
				const frame = JSON.parse(data.toString()) as { type?: string; body?: unknown };
				frames.push(frame);
				if (frame.type === "auth") resolve(frame.body);
			});
		});
		socket.on("open", () => {
			socket.send(
				JSON.stringify({ appId, type: "auth", sender: "superhero1", body: { auth: String(me.json.data?.jwt) } }),
			);
		});
		expect(await within(authenticated, "the auth answer")).toEqual({ code: "200", status: "OK" });
		return { socket, closed, frames };
	}

	const first = JSON.parse(readFileSync(path.join(dataDir, "credentials.json"), "utf8")) as { appId: string };
	const doomedSocket = await connect(doomed);
	const keptSocket = await connect(first.appId);
	await cli("apps", "delete", doomed, "--yes");
	// The server notices the CLI's commit by itself and re-checks its sockets (docs/operations.md: within 5 s).
	expect((await within(doomedSocket.closed, "the deleted app's socket to close", 10_000)).code).toBe(4001);
	// The other app's socket went through the same re-check and still answers.
	const pong = new Promise<void>((resolve) => {
		keptSocket.socket.on("message", (data) => {
			if (data.toString() === JSON.stringify({ action: "pong" })) resolve();
		});
	});
	keptSocket.socket.send(JSON.stringify({ action: "ping", ack: "true" }));
	await within(pong, "a pong on the other app's socket");
	keptSocket.socket.close();
}, 60_000);
