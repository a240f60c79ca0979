import type { LoadResult, LoadSettings } from "./load.ts";

export type StoreKind = "none" | "sqlite" | "postgres";

/** One HTTP measurement: a scenario on one system and store, with its ratio to the bare node:http baseline. */
export interface HttpRow {
	scenario: string;
	title: string;
	system: "node:http" | "latchkey" | "better-auth";
	store: StoreKind;
	/** Tokens stored when the measurement started (growth scenarios). */
	storedTokens?: number;
	load: LoadResult;
	/** req/s ÷ baseline req/s. */
	ratio: number;
	/** p99 ÷ baseline p99. */
	p99Ratio: number;
	/** Server VmRSS right after the measurement. */
	serverRSSBytes: number;
	databaseBytes?: number;
	note?: string;
}

export interface SocketResult {
	sockets: number;
	authenticated: number;
	rssBeforeBytes: number;
	idleRSSBytes: number;
	idleSeconds: number;
	pingsPerSecond: number;
	pongs: number;
	idleCPUPercent: number;
	revoked: number;
	closedWith4001: number;
	closeP50Ms: number;
	closeP99Ms: number;
	closeMaxMs: number;
	/** How long the REST DELETE itself took to answer, for telling REST time from fan-out time. */
	deleteP50Ms: number;
	deleteP99Ms: number;
	/** DELETE requests in flight at once. */
	revokeConcurrency: number;
	/** Sockets that closed although their token was not revoked. */
	unexpectedCloses: number;
}

export interface TargetCheck {
	target: string;
	actual: string;
	/** null when the figure was not measured in this run. */
	met: boolean | null;
}

export interface ProfileEntry {
	functionName: string;
	location: string;
	selfPercent: number;
}

export interface ProfileSummary {
	/** Which measurement the samples come from. */
	label: string;
	file: string;
	totalMs: number;
	topFunctions: ProfileEntry[];
	/** Self time grouped by package or source file. */
	byModule: ProfileEntry[];
}

export interface BenchReport {
	startedAt: string;
	finishedAt: string;
	commit: string;
	machine: { cpuModel: string; cores: number; node: string; os: string; memoryGB: number; loadAverage: number[] };
	settings: LoadSettings & { smoke: boolean; serverFlags: string[] };
	baseline: HttpRow | null;
	rows: HttpRow[];
	sockets: SocketResult | { skipped: string } | null;
	targets: TargetCheck[];
	notes: string[];
	profiles: ProfileSummary[];
}

/** Builds a row, computing the ratios against the baseline measured in the same run. */
export function createRow(fields: Omit<HttpRow, "ratio" | "p99Ratio">, baseline: LoadResult | null): HttpRow {
	const ratio = baseline && baseline.reqPerSec > 0 ? fields.load.reqPerSec / baseline.reqPerSec : Number.NaN;
	const p99Ratio = baseline && baseline.p99Ms > 0 ? fields.load.p99Ms / baseline.p99Ms : Number.NaN;
	return { ...fields, ratio, p99Ratio };
}
