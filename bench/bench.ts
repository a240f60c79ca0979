import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import os from "node:os";
import type { LoadSettings } from "./load.ts";
import { REPO_ROOT } from "./processes.ts";
import { findProfile, summarizeProfile } from "./profile-summary.ts";
import type { BenchReport, HttpRow, ProfileSummary, ServerMemory } from "./results.ts";
import { runBaseline } from "./scenarios/baseline.ts";
import type { ScenarioContext } from "./scenarios/context.ts";
import { runCrossNodeScenario } from "./scenarios/cross-node.ts";
import { runGrowthScenarios } from "./scenarios/growth.ts";
import type { ScenarioId } from "./scenarios/ids.ts";
import { runImportScenario } from "./scenarios/import.ts";
import { runPeerScenarios } from "./scenarios/peer.ts";
import { runRestScenarios } from "./scenarios/rest.ts";
import { runSocketScenario } from "./scenarios/sockets.ts";
import { checkTargets } from "./targets.ts";

export interface BenchOptions {
	/** Seconds per measured run; the warm-up is a third of it (at least 1 s, or 0.5 s in smoke). */
	durationSeconds?: number;
	connections?: number;
	/** Only these scenarios (the baseline always runs). */
	only?: ScenarioId[];
	/**
	 * Tiny durations, 10k-token growth only, 200 sockets, 20 cross-node tokens: proves every scenario works,
	 * measures nothing.
	 */
	smoke?: boolean;
	/** Sockets the socket scenario opens; default: the server's open-files limit minus a margin, at most 50,000. */
	sockets?: number;
	postgresURL?: string | null;
	/** Run Latchkey servers with `--cpu-prof`, writing profiles here, and summarise them in the report. */
	profileDir?: string | null;
	/** Extra Node flags for every Latchkey server process. */
	serverFlags?: string[];
	log?: (line: string) => void;
}

const DEFAULT_DURATION_SECONDS = 10;
const SMOKE_DURATION_SECONDS = 1.5;
const DEFAULT_CONNECTIONS = 50;

/** HEAD when the run starts, marked `+dirty` when server sources differ from it (what actually ran). */
function readCommit(): string {
	try {
		const git = (args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
		const dirty = git(["status", "--porcelain", "packages/server"]) !== "";
		return `${git(["rev-parse", "--short", "HEAD"])}${dirty ? "+dirty" : ""}`;
	} catch {
		return "unknown";
	}
}

function describeMachine(): BenchReport["machine"] {
	return {
		cpuModel: os.cpus()[0]?.model ?? "unknown",
		cores: os.availableParallelism(),
		node: process.version,
		os: `${os.type()} ${os.release()} ${os.arch()}`,
		memoryGB: Math.round(os.totalmem() / 1024 ** 3),
		loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
	};
}

/** One profile summary per Latchkey row, cut to that row's measured window. */
function summarizeRowProfiles(directory: string, rows: HttpRow[]): ProfileSummary[] {
	const summaries: ProfileSummary[] = [];
	for (const row of rows) {
		if (row.system !== "latchkey") continue;
		const file = findProfile(directory, row.load.window.pid);
		const tokens = row.storedTokens === undefined ? "" : `, ${row.storedTokens} tokens`;
		if (file) summaries.push(summarizeProfile(file, `${row.title} (${row.store}${tokens})`, row.load.window));
	}
	return summaries;
}

/** Runs the baseline, then every selected scenario, and returns the whole report (nothing is written here). */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
	const smoke = options.smoke ?? false;
	const durationSeconds = options.durationSeconds ?? (smoke ? SMOKE_DURATION_SECONDS : DEFAULT_DURATION_SECONDS);
	const settings: LoadSettings = {
		durationSeconds,
		warmupSeconds: smoke ? 0.5 : Math.max(1, Math.round(durationSeconds / 3)),
		connections: options.connections ?? DEFAULT_CONNECTIONS,
	};
	const log = options.log ?? (() => {});
	const notes: string[] = [];
	const only = options.only && options.only.length > 0 ? new Set<string>(options.only) : null;
	if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
	const startedAt = new Date().toISOString();
	const commit = readCommit();
	const machineBefore = describeMachine();

	const context: ScenarioContext = {
		settings,
		smoke,
		isSelected: (scenario) => only === null || only.has(scenario),
		postgresURL: options.postgresURL ?? null,
		profileDir: options.profileDir ?? null,
		serverFlags: options.serverFlags ?? [],
		sockets: options.sockets ?? null,
		baseline: null,
		log,
		note: (line) => notes.push(line),
	};

	const baseline = await runBaseline(context);
	context.baseline = baseline.load;
	// One group failing (a server dying mid-run) is reported and the others still run.
	const guard = async <T>(label: string, fallback: T, work: () => Promise<T>): Promise<T> => {
		try {
			return await work();
		} catch (error) {
			notes.push(`${label} failed: ${error instanceof Error ? error.message : String(error)}`);
			log(`${label} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
			return fallback;
		}
	};
	const rows: HttpRow[] = [];
	const serverMemory: ServerMemory[] = [];
	const noRest = { rows: [], memory: null };
	const sqliteRest = await guard("REST on SQLite", noRest, () => runRestScenarios("sqlite", context));
	rows.push(...sqliteRest.rows);
	if (sqliteRest.memory) serverMemory.push(sqliteRest.memory);
	if (context.postgresURL) {
		const postgresRest = await guard("REST on PostgreSQL", noRest, () => runRestScenarios("postgres", context));
		rows.push(...postgresRest.rows);
		if (postgresRest.memory) serverMemory.push(postgresRest.memory);
	} else notes.push("PostgreSQL scenarios skipped: DATABASE_URL is not set.");
	rows.push(...(await guard("growth on SQLite", [], () => runGrowthScenarios("sqlite", context))));
	if (context.postgresURL) {
		rows.push(...(await guard("growth on PostgreSQL", [], () => runGrowthScenarios("postgres", context))));
	}
	rows.push(...(await guard("better-auth peer", [], () => runPeerScenarios(context))));
	const sockets = context.isSelected("sockets") ? await guard("sockets", null, () => runSocketScenario(context)) : null;
	const crossNode = context.isSelected("cross-node")
		? await guard("cross-node", null, () => runCrossNodeScenario(context))
		: null;
	await guard("import-100k", undefined, () => runImportScenario(context));

	const report: BenchReport = {
		startedAt,
		finishedAt: new Date().toISOString(),
		commit,
		machine: machineBefore,
		settings: { ...settings, smoke, serverFlags: options.serverFlags ?? [] },
		baseline,
		rows,
		sockets,
		crossNode,
		serverMemory,
		targets: [],
		notes,
		profiles: options.profileDir ? summarizeRowProfiles(options.profileDir, rows) : [],
	};
	report.targets = checkTargets(report);
	notes.push(`Load average at the end: ${describeMachine().loadAverage.join(" / ")}.`);
	const commitAtEnd = readCommit();
	if (commitAtEnd !== commit)
		notes.push(`The tree changed during the run: ${commit} at the start, ${commitAtEnd} at the end.`);
	return report;
}
