import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run as runDevCert } from "../../src/cli/commands/dev-cert.ts";
import { readConfig } from "../../src/config.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER_ROOT = path.resolve(HERE, "../..");
const MAIN = path.join(SERVER_ROOT, "src/main.ts");

/** The official SDK's package dir, or null (with the reason) when the suite must skip. */
export function findOfficialSDK(env: Record<string, string | undefined>): { dir: string } | { skip: string } {
	const dir = env.COMETCHAT_SDK_DIR;
	if (!dir) {
		return {
			skip: "COMETCHAT_SDK_DIR is not set: the official-SDK compatibility suite is skipped (see .ci/run to install it outside the tree)",
		};
	}
	if (!existsSync(path.join(dir, "CometChat.js"))) {
		return { skip: `COMETCHAT_SDK_DIR=${dir} has no CometChat.js: the official-SDK compatibility suite is skipped` };
	}
	return { dir };
}

export interface Credentials {
	appId: string;
	restApiKey: string;
	authKey: string;
}

export interface ServerProcess {
	/** `127.0.0.1:port`, what the SDK's overrideAdminHost/overrideClientHost get (plus `/v3.0`). */
	host: string;
	baseURL: string;
	certFile: string;
	dataDir: string;
	credentials: Credentials;
	output(): string;
	stop(): Promise<void>;
}

function findFreePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once("error", reject);
		probe.listen(0, "127.0.0.1", () => {
			const address = probe.address();
			const port = typeof address === "object" && address ? address.port : 0;
			probe.close(() => resolve(port));
		});
	});
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
	return new Promise((resolve) => {
		const timer = setTimeout(() => resolve(false), ms);
		child.once("exit", () => {
			clearTimeout(timer);
			resolve(true);
		});
	});
}

interface Launched {
	host: string;
	output(): string;
	stop(): Promise<void>;
}

async function launchServer(dataDir: string, certFile: string, timeoutMs: number): Promise<Launched> {
	const port = await findFreePort();
	const host = `127.0.0.1:${port}`;
	// SQLite in the temp data dir whatever DATABASE_URL says: this suite tests the wire, not the dialect.
	const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
		cwd: SERVER_ROOT,
		env: {
			PATH: process.env.PATH,
			HOME: process.env.HOME,
			HOST: "127.0.0.1",
			PORT: String(port),
			LATCHKEY_DATA_DIR: dataDir,
			LATCHKEY_TLS_CERT: certFile,
			LATCHKEY_TLS_KEY: path.join(dataDir, "dev-key.pem"),
			LATCHKEY_PUBLIC_URL: `https://${host}`,
			LATCHKEY_LOG_LEVEL: "warn",
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	let output = "";
	child.stdout?.setEncoding("utf8");
	child.stderr?.setEncoding("utf8");
	child.stderr?.on("data", (chunk: string) => {
		output += chunk;
	});
	const stop = async (): Promise<void> => {
		child.kill("SIGTERM");
		if (!(await waitForExit(child, 5_000))) {
			child.kill("SIGKILL");
			await waitForExit(child, 5_000);
		}
	};
	try {
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), timeoutMs);
			child.stdout?.on("data", (chunk: string) => {
				output += chunk;
				if (output.includes("Latchkey listening on")) {
					clearTimeout(timer);
					resolve();
				}
			});
			child.once("exit", (code) => {
				clearTimeout(timer);
				reject(new Error(`server exited (${code}) before listening:\n${output}`));
			});
		});
	} catch (error) {
		await stop();
		throw error;
	}
	return { host, output: () => output, stop };
}

/**
 * Starts `node --import tsx src/main.ts` over TLS (a dev-cert certificate) on a free port with a fresh data dir,
 * and reads the first app's keys from `<dataDir>/credentials.json`.
 */
export async function startServerProcess(options: { timeoutMs?: number } = {}): Promise<ServerProcess> {
	const dataDir = mkdtempSync(path.join(tmpdir(), "latchkey-compat-"));
	const certCode = await runDevCert([], {
		config: readConfig({ LATCHKEY_DATA_DIR: dataDir }, SERVER_ROOT),
		stdout: () => {},
		stderr: (line) => {
			throw new Error(line);
		},
		openDomain: () => Promise.reject(new Error("dev-cert needs no store")),
	});
	if (certCode !== 0) throw new Error(`dev-cert exited ${certCode}`);
	const certFile = path.join(dataDir, "dev-cert.pem");
	let launched: Launched | null = null;
	// The free port is probed, then bound by the child: another process may take it in between, so retry.
	for (let attempt = 1; launched === null; attempt++) {
		try {
			launched = await launchServer(dataDir, certFile, options.timeoutMs ?? 20_000);
		} catch (error) {
			if (attempt >= 3 || !String(error).includes("EADDRINUSE")) {
				rmSync(dataDir, { recursive: true, force: true });
				throw error;
			}
		}
	}
	const running = launched;
	const credentials = JSON.parse(readFileSync(path.join(dataDir, "credentials.json"), "utf8")) as Credentials;
	return {
		host: running.host,
		baseURL: `https://${running.host}`,
		certFile,
		dataDir,
		credentials,
		output: running.output,
		async stop() {
			await running.stop();
			rmSync(dataDir, { recursive: true, force: true });
		},
	};
}

/** A REST call from the test process, trusting the dev certificate. */
export function callREST(
	server: ServerProcess,
	method: string,
	urlPath: string,
	options: { key?: string; token?: string; body?: unknown; appId?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
	const headers: Record<string, string> = {
		appid: options.appId ?? server.credentials.appId,
		"content-type": "application/json",
	};
	if (options.key) headers.apikey = options.key;
	if (options.token) headers.authtoken = options.token;
	return new Promise((resolve, reject) => {
		const req = request(
			`${server.baseURL}${urlPath}`,
			{ method, headers, ca: readFileSync(server.certFile) },
			(res) => {
				let raw = "";
				res.setEncoding("utf8");
				res.on("data", (chunk: string) => {
					raw += chunk;
				});
				res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(raw) as Record<string, unknown> }));
			},
		);
		req.setTimeout(10_000, () => req.destroy(new Error(`timed out: ${method} ${urlPath}`)));
		req.on("error", reject);
		req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
	});
}

export interface ScenarioEvent {
	event: string;
	[field: string]: unknown;
}

export interface ScenarioRun {
	exitCode: number | null;
	events: ScenarioEvent[];
	stderr: string;
	/** The fields of the one event of this name; throws (with the whole run) when absent. */
	get(event: string): ScenarioEvent;
}

/**
 * Runs `test/compat/<script>` in its own Node process (the SDK is a process-wide singleton) and collects its
 * JSON lines. The child exits by itself; `timeoutMs` is only the backstop that kills a hung one.
 */
export function runScenario(
	server: ServerProcess,
	sdkDir: string,
	script: string,
	env: Record<string, string> = {},
	options: { timeoutMs?: number } = {},
): Promise<ScenarioRun> {
	const timeoutMs = options.timeoutMs ?? 45_000;
	const child = spawn(process.execPath, [path.join(HERE, script)], {
		cwd: HERE,
		env: {
			PATH: process.env.PATH,
			NODE_EXTRA_CA_CERTS: server.certFile,
			COMETCHAT_SDK_DIR: sdkDir,
			COMPAT_HOST: server.host,
			COMPAT_APP_ID: server.credentials.appId,
			COMPAT_AUTH_KEY: server.credentials.authKey,
			COMPAT_TIMEOUT_MS: String(timeoutMs - 5_000),
			...env,
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	child.stdout?.setEncoding("utf8");
	child.stderr?.setEncoding("utf8");
	child.stdout?.on("data", (chunk: string) => {
		stdout += chunk;
	});
	child.stderr?.on("data", (chunk: string) => {
		stderr += chunk;
	});
	return new Promise((resolve) => {
		const backstop = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
		child.once("close", (exitCode) => {
			clearTimeout(backstop);
			const events = stdout
				.split("\n")
				.filter((line) => line.startsWith("{"))
				.map((line) => JSON.parse(line) as ScenarioEvent);
			const run: ScenarioRun = {
				exitCode,
				events,
				stderr,
				get(name) {
					const found = events.find((event) => event.event === name);
					if (!found) throw new Error(`${script}: no "${name}" event\n${JSON.stringify(events, null, 1)}\n${stderr}`);
					return found;
				},
			};
			resolve(run);
		});
	});
}
