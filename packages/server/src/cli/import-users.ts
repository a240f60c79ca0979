import { closeSync, existsSync, openSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import type { DomainDeps } from "../domain/deps.ts";
import { LatchkeyError } from "../domain/errors.ts";
import { importUserBatch } from "../domain/user-import.ts";
import type { Invocation } from "./command-spec.ts";
import type { CommandContext } from "./context.ts";
import { guessImportFormat, type ImportFormat, readImportRows } from "./import-formats.ts";
import { UsageError } from "./output.ts";
import { selectApp } from "./select-app.ts";

/** Rows per transaction unless `--batch-size` says otherwise. */
export const DEFAULT_IMPORT_BATCH_SIZE = 1000;
export const MAX_IMPORT_BATCH_SIZE = 10_000;
/** Without a terminal, a progress line on stderr after every this many rows. */
const PROGRESS_EVERY_ROWS = 10_000;
const BAR_WIDTH = 30;

export interface UserImportRun {
	file: string;
	format: ImportFormat;
	appId: string;
	onExisting: "update" | "skip";
	dryRun: boolean;
	batchSize: number;
	/** Where to write one `{"uid","authToken"}` line per imported user; created with mode 0600, never overwritten. */
	tokensFile: string | null;
}

export interface ImportCounts {
	rows: number;
	created: number;
	updated: number;
	skipped: number;
	rejected: number;
	tokens: number;
}

export interface RejectedRowReport {
	line: number | null;
	uid: string | null;
	code: string;
	reason: string;
}

export interface ImportOutput {
	/** A rejected row, as soon as its batch is done (so a large report is never held). */
	rejected(report: RejectedRowReport): void;
	/** Progress after each batch; `bytes` of `totalBytes` of the file read. */
	progress(counts: ImportCounts, bytes: number, totalBytes: number): void;
}

/** "line 12" back to 12. */
function lineOf(label: string): number | null {
	const match = /^line (\d+)$/.exec(label);
	return match ? Number(match[1]) : null;
}

/** The error in one line: the message, then each field's messages when it names fields. */
export function describeRejection(error: LatchkeyError): string {
	const fields = Object.entries(error.details).filter(([, value]) => Array.isArray(value));
	if (fields.length === 0) return error.message;
	return fields.map(([field, messages]) => `${field}: ${(messages as unknown[]).join(" ")}`).join("; ");
}

/**
 * Streams the file into the app in batches, each in one transaction, and reports every rejected row as its batch
 * completes. A uid repeated in the file is refused after its first row, across batches (its uid is remembered:
 * the one thing that grows with the file, some 100 bytes per user).
 */
export async function runUserImport(deps: DomainDeps, run: UserImportRun, output: ImportOutput): Promise<ImportCounts> {
	const totalBytes = statSync(run.file).size;
	const counts: ImportCounts = { rows: 0, created: 0, updated: 0, skipped: 0, rejected: 0, tokens: 0 };
	const seen = new Map<string, string>();
	// "wx": a tokens file that exists already is refused, so its mode is the one set here and nothing is clobbered.
	const tokens = run.tokensFile === null ? null : openSync(run.tokensFile, "wx", 0o600);
	let bytes = 0;
	try {
		for await (const batch of readImportRows(run.file, run.format, run.batchSize)) {
			bytes += batch.bytes;
			if (batch.rows.length === 0) continue;
			const results = await importUserBatch(deps, run.appId, batch.rows, {
				onExisting: run.onExisting,
				dryRun: run.dryRun,
				withTokens: tokens !== null,
				seen,
			});
			let minted = "";
			for (const result of results) {
				counts.rows++;
				if (result.outcome === "rejected") {
					counts.rejected++;
					output.rejected({
						line: lineOf(result.label),
						uid: result.uid,
						code: result.error.code,
						reason: describeRejection(result.error),
					});
					continue;
				}
				counts[result.outcome]++;
				if (result.authToken !== undefined) {
					minted += `${JSON.stringify({ uid: result.uid, authToken: result.authToken })}\n`;
					counts.tokens++;
				} else if (result.tokenError !== undefined) {
					output.rejected({
						line: lineOf(result.label),
						uid: result.uid,
						code: result.tokenError.code,
						reason: `imported, but no token: ${describeRejection(result.tokenError)}`,
					});
				}
			}
			if (tokens !== null && minted !== "") writeSync(tokens, minted);
			output.progress(counts, bytes, totalBytes);
		}
	} finally {
		if (tokens !== null) closeSync(tokens);
	}
	return counts;
}

function formatCounts(counts: ImportCounts, dryRun: boolean): string {
	const verb = dryRun ? "would be " : "";
	return `${counts.rows} rows: ${counts.created} ${verb}created, ${counts.updated} ${verb}updated, ${counts.skipped} skipped, ${counts.rejected} rejected`;
}

/**
 * Progress for people: on a terminal one bar redrawn in place after each batch; otherwise a plain line every
 * PROGRESS_EVERY_ROWS rows, for logs.
 */
export function createProgressReporter(options: {
	dryRun: boolean;
	/** Writes to the terminal without a line break; null when stderr is not a terminal. */
	terminal: ((text: string) => void) | null;
	line: (text: string) => void;
}): { progress: ImportOutput["progress"]; finish(): void } {
	let nextLineAt = PROGRESS_EVERY_ROWS;
	let drawn = false;
	return {
		progress(counts, bytes, totalBytes) {
			if (options.terminal) {
				const share = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 1;
				const filled = Math.round(share * BAR_WIDTH);
				const bar = `${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}`;
				options.terminal(`\r[${bar}] ${Math.round(share * 100)}% ${formatCounts(counts, options.dryRun)}`);
				drawn = true;
				return;
			}
			if (counts.rows < nextLineAt) return;
			while (nextLineAt <= counts.rows) nextLineAt += PROGRESS_EVERY_ROWS;
			options.line(`progress: ${formatCounts(counts, options.dryRun)}`);
		},
		finish() {
			if (drawn) options.terminal?.("\n");
		},
	};
}

/** The closing line of a human run. */
export function formatImportSummary(file: string, counts: ImportCounts, options: { dryRun: boolean; seconds: number }) {
	const prefix = options.dryRun ? "dry run, nothing written: " : "imported ";
	const tokens = counts.tokens > 0 ? `, ${counts.tokens} tokens written` : "";
	return `${prefix}${file}: ${formatCounts(counts, options.dryRun)}${tokens} (${options.seconds.toFixed(1)} s)`;
}

const HELP = "latchkey users import --help";

/** Reads `latchkey users import FILE [...]`'s options; a wrong one is bad usage (exit 2). */
function readImportOptions(invocation: Invocation, context: CommandContext): Omit<UserImportRun, "appId"> {
	const file = path.resolve(context.cwd ?? process.cwd(), invocation.positionals[0] ?? "");
	const format = invocation.string("format") ?? guessImportFormat(file);
	if (format !== "csv" && format !== "ndjson") throw new UsageError("--format must be csv or ndjson", HELP);
	const onExisting = invocation.string("on-existing") ?? "skip";
	if (onExisting !== "update" && onExisting !== "skip") {
		throw new UsageError("--on-existing must be update or skip", HELP);
	}
	const batchText = invocation.string("batch-size");
	const batchSize = batchText === undefined ? DEFAULT_IMPORT_BATCH_SIZE : Number(batchText);
	if (!/^\d+$/.test(batchText ?? "1") || batchSize < 1 || batchSize > MAX_IMPORT_BATCH_SIZE) {
		throw new UsageError(`--batch-size must be a whole number from 1 to ${MAX_IMPORT_BATCH_SIZE}`, HELP);
	}
	const dryRun = invocation.flag("dry-run");
	const tokensText = invocation.string("with-tokens");
	if (tokensText !== undefined && dryRun) throw new UsageError("--with-tokens mints nothing in a --dry-run", HELP);
	const tokensFile = tokensText === undefined ? null : path.resolve(context.cwd ?? process.cwd(), tokensText);
	if (!existsSync(file)) throw new LatchkeyError("ERR_BAD_REQUEST", `The file ${file} does not exist.`);
	if (tokensFile !== null && existsSync(tokensFile)) {
		throw new LatchkeyError("ERR_BAD_REQUEST", `The tokens file ${tokensFile} exists already; name a new one.`);
	}
	return { file, format, onExisting, dryRun, batchSize, tokensFile };
}

/**
 * `latchkey users import FILE`: rejected rows on stdout as they are found (`line N: CODE: reason`), progress on
 * stderr, a summary at the end; with `--json` one object at the end (`counts` and every rejected row). Exit 1 when
 * any row was rejected.
 */
export async function runImportCommand(invocation: Invocation, context: CommandContext): Promise<number> {
	const options = readImportOptions(invocation, context);
	const deps = await context.openDomain();
	const app = await selectApp(deps, context, invocation.appId);
	// The audit log names the CLI as the actor of what the import writes.
	const audit = deps.audit?.bind({ actor: { kind: "cli", id: null }, ip: null, userAgent: null });
	const json = invocation.json;
	const rejected: RejectedRowReport[] = [];
	const reporter = createProgressReporter({
		dryRun: options.dryRun,
		// A bar only for a person watching a terminal; logs and pipes get plain lines.
		terminal: !json && process.stderr.isTTY ? (text) => process.stderr.write(text) : null,
		line: (text) => {
			if (!json) context.stderr(text);
		},
	});
	const started = performance.now();
	const counts = await runUserImport(
		// The server's caps (LATCHKEY_MAX_USERS_PER_APP) hold for the CLI's import too.
		{ ...deps, quotas: { ...context.config.quotas, ...deps.quotas }, ...(audit && { audit }) },
		{ ...options, appId: app.id },
		{
			rejected(report) {
				if (json) rejected.push(report);
				else context.stdout(`${report.line === null ? "" : `line ${report.line}: `}${report.code}: ${report.reason}`);
			},
			progress: reporter.progress,
		},
	);
	reporter.finish();
	const seconds = (performance.now() - started) / 1000;
	if (json)
		context.stdout(JSON.stringify({ file: options.file, dryRun: options.dryRun, ...counts, seconds, rejected }));
	else context.stdout(formatImportSummary(options.file, counts, { dryRun: options.dryRun, seconds }));
	return counts.rejected > 0 ? 1 : 0;
}
