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
	/** Sockets the bench tried to open. */
	sockets: number;
	/** Where that number came from: `--sockets`, or the server's open-files limit minus a margin. */
	socketsChosenBy: string;
	/** The server process's "Max open files" (soft limit), null when unreadable or unlimited. */
	serverOpenFilesLimit: number | null;
	clientProcesses: number;
	sourceAddresses: string[];
	authenticated: number;
	/** After the bench fetched every socket's JWT, before the first socket opened. */
	rssBeforeBytes: number;
	/** Sockets authenticated, and server RSS, once the first half of them was open. */
	halfAuthenticated: number;
	rssHalfBytes: number;
	/** Right after the second half opened. */
	rssOpenedBytes: number;
	/** With every socket open and authenticated, after the idle window. */
	idleRSSBytes: number;
	/**
	 * (opened − half) ÷ (sockets opened between the two reads): the cost of one more socket, free of the start-up
	 * and JWT-fetching heap that "before" still holds (and that a GC may return while sockets open).
	 */
	rssPerSocketBytes: number;
	/** idle + (50,000 − authenticated) × per socket; the idle RSS itself when 50,000 were open. */
	rssAt50kBytes: number;
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

/**
 * Revocation across nodes: two server processes on one PostgreSQL database; node B has the session cached, the
 * token is revoked through node A, and B is polled until it answers 401.
 */
export interface CrossNodeResult {
	tokens: number;
	/** Tokens whose first `GET /v3.0/me` on B answered 200 (B had the session). */
	cachedOnB: number;
	/** DELETEs through A that answered 200. */
	revoked: number;
	/** Polling gives up on a token after this long. */
	boundMs: number;
	/** From sending the DELETE to A until B's first 401, over every token; null = beyond the bound. */
	seenP50Ms: number | null;
	seenP99Ms: number | null;
	seenMaxMs: number | null;
	/** Tokens B still accepted when the bound ran out. */
	notSeenWithinBound: number;
	/** Of those, tokens B still accepted when checked again after the last token (stale for good). */
	stillAcceptedAtEnd: number;
	/** How long A took to answer the DELETE (same requests). */
	deleteP50Ms: number;
	deleteP99Ms: number;
	/** GETs sent to B while waiting, per token on average. */
	pollsPerToken: number;
	/** Answers from B that were neither 200 nor 401. */
	otherAnswers: number;
}

/** The RSS of the REST scenarios' server (the one the authenticated-call row measures) over its life. */
export interface ServerMemory {
	store: StoreKind;
	/** A moment after start, before any request. */
	afterStartBytes: number;
	/** After the last REST row it served. */
	afterRowsBytes: number;
	/** The scenario id of that last row. */
	lastRow: string;
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
	crossNode: CrossNodeResult | { skipped: string } | null;
	serverMemory: ServerMemory[];
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
