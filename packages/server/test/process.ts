import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

export const SERVER_ROOT = path.resolve(import.meta.dirname, "..");
const REPO_ROOT = path.resolve(SERVER_ROOT, "..", "..");
// The built server, as `npm start` runs it: plain JavaScript, no tsx.
const MAIN = path.join(SERVER_ROOT, "dist", "main.js");
const BIN = path.join(SERVER_ROOT, "bin", "latchkey.js");

let building: Promise<void> | null = null;

/**
 * Builds the server into dist/ (`npm run build`), once per test file. The build is incremental, so on an
 * up-to-date checkout it only checks (about 2 s) and rewrites nothing.
 */
export async function buildServer(): Promise<void> {
	building ??= (async () => {
		const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
		try {
			await promisify(execFile)(process.execPath, [tsc, "-p", path.join(SERVER_ROOT, "tsconfig.build.json")]);
		} catch (error) {
			const output = (error as { stdout?: string }).stdout ?? "";
			throw new Error(`the server build failed: ${output || String(error)}`);
		}
	})();
	await building;
}

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
	/** What was spawned: the server itself, or `npm` for `startWithNpmStart`. */
	child: ChildProcess;
	/** The server's own pid: the process holding the listening socket. */
	pid: number;
	stdout(): string;
	stderr(): string;
	/** Resolves with the exit code. */
	exited: Promise<number | null>;
	stop(): Promise<number | null>;
}

/** Starts the built `main.js` as a real process; resolves once it printed that it listens (or rejects when it exits). */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<ServerProcess> {
	await buildServer();
	const child = spawn(process.execPath, [MAIN], {
		cwd: SERVER_ROOT,
		env: childEnv(env),
		stdio: ["ignore", "pipe", "pipe"],
	});
	return await watchServer(child, () => child.pid ?? 0, timeoutMs);
}

/**
 * Runs `npm start` from the repository root, as the README says, on `env.PORT`. npm runs the script through a
 * shell, so the server is a grandchild; `pid` is found as the process that holds the listening socket.
 */
export async function startWithNpmStart(
	env: Record<string, string> & { PORT: string },
	timeoutMs = 60_000,
): Promise<ServerProcess> {
	// Variables an outer `npm test` exported (npm_config_*, npm_lifecycle_*) would steer the inner npm.
	const inherited = Object.fromEntries(Object.entries(childEnv(env)).filter(([name]) => !name.startsWith("npm_")));
	const child = spawn("npm", ["start"], { cwd: REPO_ROOT, env: inherited, stdio: ["ignore", "pipe", "pipe"] });
	return await watchServer(
		child,
		() => {
			const pid = findListeningPid(child.pid ?? 0, Number(env.PORT));
			if (pid === null) throw new Error(`no process under npm (pid ${child.pid}) listens on port ${env.PORT}`);
			return pid;
		},
		timeoutMs,
	);
}

/** Collects the child's output and waits for the listening line; `findPid` names the server once it listens. */
async function watchServer(child: ChildProcess, findPid: () => number, timeoutMs: number): Promise<ServerProcess> {
	let out = "";
	let err = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		out += chunk.toString();
	});
	child.stderr?.on("data", (chunk: Buffer) => {
		err += chunk.toString();
	});
	const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
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
	const pid = findPid();
	return {
		child,
		pid,
		stdout: () => out,
		stderr: () => err,
		exited,
		async stop() {
			// The server itself, not npm: npm's shell does not pass SIGTERM on, so it would outlive npm.
			if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGTERM");
			return await exited;
		},
	};
}

/** A process's command line (`/proc/<pid>/cmdline`), one entry per argument. */
export function readCommandLine(pid: number): string[] {
	return readFileSync(`/proc/${pid}/cmdline`, "utf8")
		.split("\0")
		.filter((arg) => arg !== "");
}

/** `rootPid` and every process below it, parents first (Linux /proc). */
export function listProcessTree(rootPid: number): number[] {
	const parents = new Map<number, number>();
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			// The command name sits in parentheses and may contain spaces; the parent pid is the 2nd field after it.
			parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
		} catch {
			// The process ended between listing and reading.
		}
	}
	const tree = [rootPid];
	for (let index = 0; index < tree.length; index++) {
		for (const [pid, parent] of parents) if (parent === tree[index]) tree.push(pid);
	}
	return tree;
}

/** The pid, in `rootPid`'s process tree, that holds the TCP socket listening on `port`; null when none does. */
function findListeningPid(rootPid: number, port: number): number | null {
	const inodes = new Set<string>();
	for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
		for (const line of readFileSync(table, "utf8").trim().split("\n").slice(1)) {
			const fields = line.trim().split(/\s+/);
			const localPort = Number.parseInt(fields[1]?.split(":")[1] ?? "", 16);
			// State 0A is LISTEN; the 10th field is the socket's inode.
			if (fields[3] === "0A" && localPort === port && fields[9]) inodes.add(fields[9]);
		}
	}
	for (const pid of listProcessTree(rootPid)) {
		let fds: string[] = [];
		try {
			fds = readdirSync(`/proc/${pid}/fd`);
		} catch {
			continue;
		}
		for (const fd of fds) {
			try {
				const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
				if (inode && inodes.has(inode)) return pid;
			} catch {
				// The descriptor was closed between listing and reading.
			}
		}
	}
	return null;
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

/** `node` arguments that run the built server (call `buildServer()` first). */
export function mainArgs(): string[] {
	return [MAIN];
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
