import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const SERVER_ROOT = path.resolve(import.meta.dirname, "..");
const MAIN = path.join(SERVER_ROOT, "src", "main.ts");
const BIN = path.join(SERVER_ROOT, "bin", "latchkey.js");

export function makeTempDir(prefix: string): string {
	return mkdtempSync(path.join(tmpdir(), `latchkey-${prefix}-`));
}

/** A port that was free a moment ago (the server binds it right after). */
export async function findFreePort(): Promise<number> {
	return await new Promise<number>((resolve, reject) => {
		const probe = createServer();
		probe.once("error", reject);
		probe.listen(0, "127.0.0.1", () => {
			const address = probe.address();
			const port = typeof address === "object" && address ? address.port : 0;
			probe.close(() => resolve(port));
		});
	});
}

/** The child's environment: ours, minus a DATABASE_URL the test did not ask for (SQLite unless told). */
function childEnv(env: Record<string, string>): Record<string, string | undefined> {
	const { DATABASE_URL: _inherited, ...rest } = process.env;
	return { ...rest, LATCHKEY_LOG_LEVEL: "warn", ...env };
}

export interface ServerProcess {
	child: ChildProcess;
	stdout(): string;
	stderr(): string;
	/** Resolves with the exit code. */
	exited: Promise<number | null>;
	stop(): Promise<number | null>;
}

/** Starts `main.ts` as a real process; resolves once it printed that it listens (or rejects when it exits). */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<ServerProcess> {
	const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
		cwd: SERVER_ROOT,
		env: childEnv(env),
		stdio: ["ignore", "pipe", "pipe"],
	});
	let out = "";
	let err = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		out += chunk.toString();
	});
	child.stderr?.on("data", (chunk: Buffer) => {
		err += chunk.toString();
	});
	const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
	const handle: ServerProcess = {
		child,
		stdout: () => out,
		stderr: () => err,
		exited,
		async stop() {
			child.kill("SIGTERM");
			return await exited;
		},
	};
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs} ms: ${err}`)), timeoutMs);
		const onData = (): void => {
			if (out.includes("Latchkey listening on")) {
				clearTimeout(timer);
				resolve();
			}
		};
		child.stdout?.on("data", onData);
		void exited.then((code) => {
			clearTimeout(timer);
			reject(Object.assign(new Error(`server exited with ${code}: ${err}`), { code }));
		});
	});
	return handle;
}

/** Runs a process to completion (bounded); for start-up failures and the CLI. */
export async function runProcess(
	args: string[],
	env: Record<string, string>,
	timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
	const child = spawn(process.execPath, args, {
		cwd: SERVER_ROOT,
		env: childEnv(env),
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	child.stderr.on("data", (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
	const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
	clearTimeout(timer);
	return { code, stdout, stderr };
}

export function mainArgs(): string[] {
	return ["--import", "tsx", MAIN];
}

export function cliArgs(...args: string[]): string[] {
	return [BIN, ...args];
}

export interface JSONAnswer {
	status: number;
	json: {
		data?: Record<string, unknown> & { authToken?: string; jwt?: string };
		error?: { code: string; message: string };
		meta?: { pagination: { total: number } };
	};
}

/** One JSON request to a server process; the body, when given, is sent as JSON. */
export async function requestJSON(
	base: string,
	method: string,
	pathname: string,
	headers: Record<string, string>,
	body?: unknown,
): Promise<JSONAnswer> {
	const res = await fetch(`${base}${pathname}`, {
		method,
		headers: { ...headers, ...(body !== undefined && { "content-type": "application/json" }) },
		...(body !== undefined && { body: JSON.stringify(body) }),
	});
	return { status: res.status, json: (await res.json()) as JSONAnswer["json"] };
}
