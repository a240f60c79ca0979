import type { BenchReport, CrossNodeResult, HttpRow, ServerMemory, SocketResult } from "./results.ts";
import { TARGET_SOCKETS } from "./targets.ts";

const HTTP_COLUMNS = [
	"scenario",
	"system / store",
	"stored tokens",
	"req/s",
	"p50 ms",
	"p99 ms",
	"× bare",
	"p99 × bare",
	"server RSS MB",
	"DB MB",
	"server CPU µs/req",
	"PostgreSQL (cores)",
	"non-2xx / errors",
	"other load (cores)",
];

function megabytes(bytes: number | undefined): string {
	return bytes === undefined ? "" : (bytes / 1024 / 1024).toFixed(1);
}

function fixed(value: number, digits: number): string {
	return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** Server CPU time per answered request: steadier than req/s when other jobs share the cores. */
function cpuMicrosPerRequest(row: HttpRow): number {
	return row.load.requests > 0
		? (row.load.serverCores * row.load.durationSeconds * 1e6) / row.load.requests
		: Number.NaN;
}

function httpCells(row: HttpRow): string[] {
	return [
		row.title,
		row.system === "latchkey" ? `latchkey / ${row.store}` : row.system,
		row.storedTokens === undefined ? "" : row.storedTokens.toLocaleString("en-US"),
		Math.round(row.load.reqPerSec).toLocaleString("en-US"),
		fixed(row.load.p50Ms, 0),
		fixed(row.load.p99Ms, 0),
		fixed(row.ratio, 2),
		fixed(row.p99Ratio, 1),
		megabytes(row.serverRSSBytes),
		megabytes(row.databaseBytes),
		fixed(cpuMicrosPerRequest(row), 0),
		row.store === "postgres" ? fixed(row.load.postgresCores, 2) : "",
		`${row.load.non2xx} / ${row.load.errors}`,
		fixed(row.load.otherCores, 2),
	];
}

function socketCells(sockets: SocketResult): Array<[string, string]> {
	const at50k =
		sockets.authenticated >= TARGET_SOCKETS ? "measured" : "extrapolated: idle + the missing sockets × per socket";
	return [
		["sockets authenticated", `${sockets.authenticated} of ${sockets.sockets} (count from ${sockets.socketsChosenBy})`],
		[
			"opened from",
			`${sockets.clientProcesses} client processes, source addresses ${sockets.sourceAddresses.join(", ")}; server open-files limit ${sockets.serverOpenFilesLimit ?? "unknown"}`,
		],
		["server RSS before sockets", `${megabytes(sockets.rssBeforeBytes)} MB`],
		[
			"server RSS with half / all sockets open",
			`${megabytes(sockets.rssHalfBytes)} MB at ${sockets.halfAuthenticated} / ${megabytes(sockets.rssOpenedBytes)} MB at ${sockets.authenticated}`,
		],
		["server RSS with sockets, idle", `${megabytes(sockets.idleRSSBytes)} MB`],
		["server RSS per socket (between half and all open)", `${fixed(sockets.rssPerSocketBytes / 1024, 1)} KB`],
		[
			`server RSS at ${TARGET_SOCKETS.toLocaleString("en-US")} sockets`,
			`${megabytes(sockets.rssAt50kBytes)} MB (${at50k})`,
		],
		[
			"server CPU while idle",
			`${fixed(sockets.idleCPUPercent, 1)} % of a core over ${fixed(sockets.idleSeconds, 0)} s (${fixed(sockets.pingsPerSecond, 0)} pings/s, ${sockets.pongs} pongs)`,
		],
		["tokens revoked over REST", `${sockets.revoked}; ${sockets.closedWith4001} sockets closed with 4001`],
		[
			"revocation → close (DELETE sent → client sees 4001)",
			`p50 ${fixed(sockets.closeP50Ms, 1)} ms, p99 ${fixed(sockets.closeP99Ms, 1)} ms, max ${fixed(sockets.closeMaxMs, 1)} ms`,
		],
		[
			"REST DELETE answer time (same requests)",
			`p50 ${fixed(sockets.deleteP50Ms, 1)} ms, p99 ${fixed(sockets.deleteP99Ms, 1)} ms (${sockets.revokeConcurrency} in flight)`,
		],
		["sockets closed without being revoked", String(sockets.unexpectedCloses)],
	];
}

function milliseconds(value: number | null, boundMs: number): string {
	return value === null ? `> ${boundMs} ms` : `${fixed(value, 1)} ms`;
}

function crossNodeCells(result: CrossNodeResult): Array<[string, string]> {
	return [
		[
			"tokens",
			`${result.tokens}; ${result.cachedOnB} answered 200 on node B first; ${result.revoked} DELETEs through A answered 200`,
		],
		[
			"revocation seen by node B (DELETE sent to A → B's first 401)",
			`p50 ${milliseconds(result.seenP50Ms, result.boundMs)}, p99 ${milliseconds(result.seenP99Ms, result.boundMs)}, max ${milliseconds(result.seenMaxMs, result.boundMs)}`,
		],
		[
			`not refused by B within ${result.boundMs} ms`,
			`${result.notSeenWithinBound} (still accepted after the last token: ${result.stillAcceptedAtEnd})`,
		],
		[
			"REST DELETE answer time on A (same requests)",
			`p50 ${fixed(result.deleteP50Ms, 1)} ms, p99 ${fixed(result.deleteP99Ms, 1)} ms`,
		],
		["polls of B per token", `${fixed(result.pollsPerToken, 1)} (answers neither 200 nor 401: ${result.otherAnswers})`],
		["SQLite", "not applicable: one server process per database file"],
	];
}

function memoryRows(memory: ServerMemory[]): string[][] {
	return memory.map((entry) => [
		entry.store,
		`${megabytes(entry.afterStartBytes)} MB`,
		`${megabytes(entry.afterRowsBytes)} MB (after ${entry.lastRow})`,
	]);
}

const MEMORY_COLUMNS = ["REST server", "RSS idle after start", "RSS after its rows"];

function peerComparisons(report: BenchReport): Array<[string, string]> {
	const find = (scenario: string, store = "sqlite") =>
		report.rows.find((row) => row.scenario === scenario && row.store === store);
	const me = find("me");
	const login = find("login-auth-key");
	const session = find("peer-get-session");
	const signIn = find("peer-sign-in");
	const result: Array<[string, string]> = [];
	if (me && session) {
		result.push([
			"authenticated call ÷ better-auth get-session",
			`${fixed(me.load.reqPerSec / session.load.reqPerSec, 2)}× (p99 ${me.load.p99Ms} vs ${session.load.p99Ms} ms)`,
		]);
	}
	if (login && signIn) {
		result.push([
			"Auth Key login ÷ better-auth sign-in/email",
			`${fixed(login.load.reqPerSec / signIn.load.reqPerSec, 2)}× (not like for like: better-auth checks a scrypt password, an Auth Key login checks a SHA-256 key hash)`,
		]);
	}
	return result;
}

function padTable(header: string[], rows: string[][]): string {
	const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => (row[index] ?? "").length)));
	const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join("  ");
	return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

function markdownTable(header: string[], rows: string[][]): string {
	const line = (cells: string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
	return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function allHttpRows(report: BenchReport): HttpRow[] {
	return [...(report.baseline ? [report.baseline] : []), ...report.rows];
}

function machineLine(report: BenchReport): string {
	const m = report.machine;
	return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os}, Node ${m.node}; load average at start ${m.loadAverage.join(" / ")}`;
}

function settingsLine(report: BenchReport): string {
	const s = report.settings;
	return `autocannon, ${s.connections} connections, ${s.warmupSeconds} s warm-up + ${s.durationSeconds} s measured per row${s.smoke ? " (smoke: figures mean nothing)" : ""}${s.serverFlags.length > 0 ? `; server flags ${s.serverFlags.join(" ")}` : ""}; commit ${report.commit}; ${report.startedAt} → ${report.finishedAt}`;
}

function targetMark(met: boolean | null): string {
	return met === null ? "not measured" : met ? "met" : "MISSED";
}

/** The report as the terminal shows it. */
export function formatTerminalReport(report: BenchReport): string {
	const parts = [
		`Machine: ${machineLine(report)}`,
		`Run:     ${settingsLine(report)}`,
		"",
		padTable(HTTP_COLUMNS, allHttpRows(report).map(httpCells)),
	];
	const comparisons = peerComparisons(report);
	if (comparisons.length > 0) parts.push("", ...comparisons.map(([label, value]) => `${label}: ${value}`));
	if (report.serverMemory.length > 0) parts.push("", padTable(MEMORY_COLUMNS, memoryRows(report.serverMemory)));
	if (report.sockets && "skipped" in report.sockets) parts.push("", `Sockets: skipped (${report.sockets.skipped})`);
	else if (report.sockets) parts.push("", padTable(["sockets", "figure"], socketCells(report.sockets)));
	if (report.crossNode && "skipped" in report.crossNode)
		parts.push("", `Cross-node: skipped (${report.crossNode.skipped})`);
	else if (report.crossNode)
		parts.push("", padTable(["cross-node (PostgreSQL)", "figure"], crossNodeCells(report.crossNode)));
	parts.push(
		"",
		padTable(
			["target", "this run", "verdict"],
			report.targets.map((t) => [t.target, t.actual, targetMark(t.met)]),
		),
	);
	if (report.notes.length > 0) parts.push("", ...report.notes.map((note) => `note: ${note}`));
	return parts.join("\n");
}

/** The same report as Markdown, for bench/results/<date>.md and docs/performance.md. */
export function formatMarkdownReport(report: BenchReport): string {
	const parts = [
		`Machine: ${machineLine(report)}.`,
		"",
		`Run: ${settingsLine(report)}.`,
		"",
		markdownTable(HTTP_COLUMNS, allHttpRows(report).map(httpCells)),
	];
	const comparisons = peerComparisons(report);
	if (comparisons.length > 0) parts.push("", markdownTable(["comparison", "this run"], comparisons));
	if (report.serverMemory.length > 0) parts.push("", markdownTable(MEMORY_COLUMNS, memoryRows(report.serverMemory)));
	if (report.sockets && "skipped" in report.sockets) parts.push("", `Sockets: skipped (${report.sockets.skipped}).`);
	else if (report.sockets) parts.push("", markdownTable(["sockets", "figure"], socketCells(report.sockets)));
	if (report.crossNode && "skipped" in report.crossNode)
		parts.push("", `Cross-node: skipped (${report.crossNode.skipped}).`);
	else if (report.crossNode)
		parts.push("", markdownTable(["cross-node (PostgreSQL)", "figure"], crossNodeCells(report.crossNode)));
	parts.push(
		"",
		markdownTable(
			["target", "this run", "verdict"],
			report.targets.map((t) => [t.target, t.actual, targetMark(t.met)]),
		),
	);
	if (report.notes.length > 0) parts.push("", ...report.notes.map((note) => `- ${note}`));
	for (const profile of report.profiles) {
		parts.push(
			"",
			`Profile of ${profile.label}: ${profile.totalMs} ms of server CPU in the measured window, idle excluded (${profile.file}):`,
			"",
			markdownTable(
				["function", "location", "self %"],
				profile.topFunctions.map((entry) => [entry.functionName, entry.location, entry.selfPercent.toFixed(1)]),
			),
			"",
			markdownTable(
				["module", "self %"],
				profile.byModule.map((entry) => [entry.functionName, entry.selfPercent.toFixed(1)]),
			),
		);
	}
	return `${parts.join("\n")}\n`;
}
