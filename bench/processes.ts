import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: children run from here so `--import tsx` and workspace paths resolve. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export interface ChildServer {
	pid: number;
	/** What the ready line captured: a URL or a port. */
	ready: string;
	child: ChildProcess;
	/** SIGTERM, then waits for the exit (a `--cpu-prof` profile is written on a clean exit). */
	stop(): Promise<void>;
}

export interface StartOptions {
	/** A TypeScript entry (run through tsx) or a JavaScript one (plain node), relative to the repo root. */
	entry: string;
	env: Record<string, string>;
	/** Matches a stdout line; its first group becomes `ready`. */
	readyPattern: RegExp;
	nodeFlags?: string[];
	args?: string[];
	/** Opens an IPC channel (`process.send` in the child). */
	ipc?: boolean;
}

/**
 * Starts `node <entry>` for a built JavaScript entry, `node --import tsx <entry>` for a TypeScript one: directly
 * (not the `tsx` wrapper, which forks a second process), so the pid is the server's own: RSS and CPU read from
 * /proc are the server's, and `--cpu-prof` profiles it.
 */
export async function startChild(options: StartOptions): Promise<ChildServer> {
	const loader = options.entry.endsWith(".ts") ? ["--import", "tsx"] : [];
	const child = spawn(
		process.execPath,
		[...(options.nodeFlags ?? []), ...loader, options.entry, ...(options.args ?? [])],
		{ cwd: REPO_ROOT, env: options.env, stdio: ["ignore", "pipe", "pipe", ...(options.ipc ? ["ipc" as const] : [])] },
	);
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	let stderr = "";
	child.stderr?.on("data", (chunk: Buffer) => {
		stderr = (stderr + chunk.toString()).slice(-4000);
	});
	const ready = await new Promise<string>((resolve, reject) => {
		let buffered = "";
		const timer = setTimeout(() => {
			child.kill("SIGKILL");
			reject(new Error(`${options.entry} did not become ready in ${READY_TIMEOUT_MS} ms: ${stderr}`));
		}, READY_TIMEOUT_MS);
		// The first start prints the new app's keys; stdout is read for the ready line only, never echoed.
		child.stdout?.on("data", (chunk: Buffer) => {
			buffered += chunk.toString();
			const match = options.readyPattern.exec(buffered);
			if (match) {
				clearTimeout(timer);
				resolve(match[1] ?? match[0]);
			}
			if (buffered.length > 100_000) buffered = buffered.slice(-10_000);
		});
		child.once("exit", (code) => {
			clearTimeout(timer);
			reject(new Error(`${options.entry} exited with ${code} before it was ready: ${stderr}`));
		});
	});
	const pid = child.pid;
	if (pid === undefined) throw new Error(`${options.entry} has no pid`);
	let stopping = false;
	child.once("exit", (code, signal) => {
		// A server dying mid-run would otherwise surface only as a missing /proc entry.
		if (!stopping && code !== 0)
			console.error(`[bench] ${options.entry} (pid ${pid}) exited unexpectedly: ${code ?? signal}\n${stderr}`);
	});
	return {
		pid,
		ready,
		child,
		stop: async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			stopping = true;
			child.kill("SIGTERM");
			const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
			await exited;
			clearTimeout(timer);
		},
	};
}

/** Resident set size of a process, in bytes (VmRSS in /proc/<pid>/status). */
export function readRSSBytes(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, "utf8");
	const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
	return match?.[1] ? Number(match[1]) * 1024 : 0;
}

/** A process's soft limit on open file descriptors ("Max open files" in /proc/<pid>/limits), or null. */
export function readOpenFilesLimit(pid: number | "self"): number | null {
	const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
	const match = /^Max open files\s+(\S+)/m.exec(limits);
	const value = Number(match?.[1]);
	return Number.isFinite(value) ? value : null;
}

/** User + system CPU time a process has used so far, in milliseconds. */
export function readCPUMilliseconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	// The command name sits in parentheses and may contain spaces; fields are counted after it.
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	const ticks = Number(fields[11]) + Number(fields[12]);
	return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

// USER_HZ is 100 on every Linux architecture Node supports.
const CLOCK_TICKS_PER_SECOND = 100;

/** Busy and total CPU time of the whole machine so far, in milliseconds summed over cores. */
export function readMachineCPU(): { busyMs: number; totalMs: number } {
	const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
	const values = line.trim().split(/\s+/).slice(1).map(Number);
	const total = values.reduce((sum, value) => sum + value, 0);
	const idle = (values[3] ?? 0) + (values[4] ?? 0);
	return {
		busyMs: ((total - idle) * 1000) / CLOCK_TICKS_PER_SECOND,
		totalMs: (total * 1000) / CLOCK_TICKS_PER_SECOND,
	};
}

/** CPU time used so far by every process with this command name (e.g. all PostgreSQL backends), in ms. */
export function readCommandCPUMilliseconds(command: string): number {
	let total = 0;
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
			if (name === command) total += readCPUMilliseconds(Number(entry));
		} catch {
			// The process ended between listing and reading.
		}
	}
	return total;
}
