import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { type Credentials, ensureFirstApp } from "../packages/server/src/bootstrap.ts";
import { systemClock } from "../packages/server/src/domain/clock.ts";
import { noEvents } from "../packages/server/src/events/bus.ts";
import { KyselyStore } from "../packages/server/src/store/kysely-store.ts";
import { type ChildServer, REPO_ROOT, startChild } from "./processes.ts";

export type Dialect = "sqlite" | "postgres";

// The built server, as `npm start` runs it (plain node, no tsx); `buildServer()` brings it up to date.
const SERVER_ENTRY = "packages/server/dist/main.js";

let building: Promise<void> | null = null;

/** `npm run build` of the server, once per bench process (incremental: seconds when nothing changed). */
async function buildServer(): Promise<void> {
	building ??= (async () => {
		const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
		const project = path.join(REPO_ROOT, "packages/server/tsconfig.build.json");
		try {
			await promisify(execFile)(process.execPath, [tsc, "-p", project]);
		} catch (error) {
			throw new Error(`the server build failed: ${(error as { stdout?: string }).stdout || String(error)}`);
		}
	})();
	await building;
}

/**
 * One Latchkey deployment for the bench: a fresh data dir (and, on PostgreSQL, a fresh database), the first
 * app and its credentials, short-lived store connections for bulk seeding, and the server process itself.
 */
export interface LatchkeyDeployment {
	dialect: Dialect;
	dataDir: string;
	credentials: Credentials;
	/**
	 * Opens a store on the server's database, runs `work` (bulk seeding, counts) and closes it again, so no
	 * connection of the bench's is open while the server is measured.
	 */
	withStore<T>(work: (store: KyselyStore) => Promise<T>): Promise<T>;
	/** The running server, once `start()` resolved. */
	server: ChildServer | null;
	/** e.g. http://127.0.0.1:40123 */
	baseURL: string;
	start(): Promise<void>;
	/**
	 * Starts one more server process on the same database (PostgreSQL: another node of the deployment), with the
	 * same settings as `start()`; `stop()` stops it too.
	 */
	startNode(): Promise<LatchkeyNode>;
	/** Stops every server process of this deployment. */
	stop(): Promise<void>;
	databaseBytes(): Promise<number>;
	/** Stops the server, drops the database and removes the data dir. */
	destroy(): Promise<void>;
}

/** One server process of a deployment. */
export interface LatchkeyNode {
	server: ChildServer;
	baseURL: string;
}

export interface DeploymentOptions {
	/** The PostgreSQL server to create a throwaway database on (required for the postgres dialect). */
	postgresURL?: string;
	/** When set, the server runs with `--cpu-prof` and writes its profile here on stop. */
	profileDir?: string;
	/** Extra Node flags for the server process (experiments: `--import ./patch.mjs`, heap sizes). */
	serverFlags?: string[];
}

async function withPostgres(url: string, query: string): Promise<void> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		await client.query(query);
	} finally {
		await client.end();
	}
}

function sqliteBytes(dataDir: string): number {
	let total = 0;
	for (const suffix of ["", "-wal"]) {
		try {
			total += statSync(path.join(dataDir, `latchkey.db${suffix}`)).size;
		} catch {
			// No WAL file after a clean checkpoint.
		}
	}
	return total;
}

/** Creates the data dir, the database and the first app (credentials.json), but does not start the server. */
export async function createDeployment(dialect: Dialect, options: DeploymentOptions = {}): Promise<LatchkeyDeployment> {
	const dataDir = mkdtempSync(path.join(os.tmpdir(), "latchkey-bench-"));
	let databaseURL: string | null = null;
	let databaseName: string | null = null;
	if (dialect === "postgres") {
		if (!options.postgresURL) throw new Error("DATABASE_URL is required for the postgres dialect");
		databaseName = `latchkey_bench_${randomBytes(6).toString("hex")}`;
		await withPostgres(options.postgresURL, `create database ${databaseName}`);
		const url = new URL(options.postgresURL);
		url.pathname = `/${databaseName}`;
		databaseURL = url.toString();
	}
	const openStore = (): KyselyStore =>
		databaseURL
			? new KyselyStore({ kind: "postgres", url: databaseURL, poolSize: 4 })
			: new KyselyStore({ kind: "sqlite", filename: path.join(dataDir, "latchkey.db") });
	const withStore = async <T>(work: (store: KyselyStore) => Promise<T>): Promise<T> => {
		const store = openStore();
		try {
			return await work(store);
		} finally {
			await store.close();
		}
	};
	await withStore(async (store) => {
		await store.migrate();
		await ensureFirstApp({ store, clock: systemClock, events: noEvents }, { dataDir, publicURL: "http://127.0.0.1" });
	});
	const credentials = JSON.parse(readFileSync(path.join(dataDir, "credentials.json"), "utf8")) as Credentials;

	const nodes: LatchkeyNode[] = [];
	const launch = async (): Promise<LatchkeyNode> => {
		await buildServer();
		const env: Record<string, string> = {
			PATH: process.env.PATH ?? "",
			HOME: process.env.HOME ?? os.tmpdir(),
			HOST: "127.0.0.1",
			PORT: "0",
			// Settings to try (LATCHKEY_METRICS_TOKEN=… npm run bench, say) pass through; the data dir and log level are the bench's.
			...serverSettingsFromEnv(),
			LATCHKEY_DATA_DIR: dataDir,
			LATCHKEY_LOG_LEVEL: "silent",
			...(databaseURL && { DATABASE_URL: databaseURL }),
		};
		// The default profile name carries the pid, which is how rows find their profile.
		const nodeFlags = [
			...(options.profileDir ? ["--cpu-prof", "--cpu-prof-dir", options.profileDir] : []),
			...(options.serverFlags ?? []),
		];
		const server = await startChild({
			entry: SERVER_ENTRY,
			env,
			nodeFlags,
			readyPattern: /Latchkey listening on (https?:\/\/\S+)/,
		});
		const node = { server, baseURL: server.ready };
		nodes.push(node);
		return node;
	};

	const deployment: LatchkeyDeployment = {
		dialect,
		dataDir,
		credentials,
		withStore,
		server: null,
		baseURL: "",
		start: async () => {
			const node = await launch();
			deployment.server = node.server;
			deployment.baseURL = node.baseURL;
		},
		startNode: launch,
		stop: async () => {
			await Promise.all(nodes.map((node) => node.server.stop()));
			nodes.length = 0;
			deployment.server = null;
		},
		databaseBytes: async () => {
			if (!databaseURL) return sqliteBytes(dataDir);
			const client = new pg.Client({ connectionString: databaseURL });
			await client.connect();
			try {
				const result = await client.query<{ bytes: string }>("select pg_database_size(current_database()) as bytes");
				return Number(result.rows[0]?.bytes ?? 0);
			} finally {
				await client.end();
			}
		},
		destroy: async () => {
			await deployment.stop();
			if (databaseName && options.postgresURL) {
				await withPostgres(options.postgresURL, `drop database if exists ${databaseName} with (force)`);
			}
			rmSync(dataDir, { recursive: true, force: true });
		},
	};
	return deployment;
}

/** The bench's own `LATCHKEY_*` variables, handed to every server it starts. */
export function serverSettingsFromEnv(): Record<string, string> {
	return Object.fromEntries(
		Object.entries(process.env).filter(
			(entry): entry is [string, string] => entry[0].startsWith("LATCHKEY_") && entry[1] !== undefined,
		),
	);
}
