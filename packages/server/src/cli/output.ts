import { ConfigError } from "../config.ts";
import { LatchkeyError } from "../domain/errors.ts";
import type { CommandContext } from "./context.ts";

/** Thrown for bad usage; main prints `error: ERR_USAGE: …` and exits 2. `help` names the command to run for usage. */
export class UsageError extends Error {
	constructor(
		message: string,
		readonly help: string | null = null,
	) {
		super(message);
		this.name = "UsageError";
	}
}

/** A failure of the CLI itself (not of the domain): printed as `error: CODE: message`, exit 1. */
export class CLIError extends Error {
	constructor(
		readonly code: string,
		message: string,
		readonly details: Record<string, unknown> = {},
	) {
		super(message);
		this.name = "CLIError";
	}
}

/** What an error is reported as: CometChat's error shape, plus the exit code. */
export interface ReportedError {
	code: string;
	message: string;
	details: Record<string, unknown>;
	exitCode: 1 | 2;
}

/** Anything else is reported without internals. */
export function describeError(error: unknown): ReportedError {
	if (error instanceof UsageError) {
		return { code: "ERR_USAGE", message: error.message, details: error.help ? { help: error.help } : {}, exitCode: 2 };
	}
	if (error instanceof LatchkeyError || error instanceof CLIError) {
		return { code: error.code, message: error.message, details: { ...error.details }, exitCode: 1 };
	}
	if (error instanceof ConfigError) return { code: "ERR_CONFIG", message: error.message, details: {}, exitCode: 1 };
	const message = error instanceof Error ? error.message : "unknown failure";
	return { code: "ERR_INTERNAL", message, details: {}, exitCode: 1 };
}

/**
 * The line (or, with `--json`, the JSON object) for stderr: `error: CODE: message`, with validation details
 * (`field: messages`) and a pointer to the help page appended in words.
 */
export function formatError(reported: ReportedError, json: boolean): string {
	const { code, message, details } = reported;
	if (json) return JSON.stringify({ error: { code, message, details } });
	const fields = Object.entries(details)
		.filter(([, messages]) => Array.isArray(messages))
		.map(([field, messages]) => `${field}: ${(messages as unknown[]).join(" ")}`);
	const help = typeof details.help === "string" ? ` (see \`${details.help}\`)` : "";
	return `error: ${code}: ${message}${fields.length > 0 ? ` (${fields.join("; ")})` : ""}${help}`;
}

/** Prints an error to stderr as `error: CODE: message` (or its JSON object) and returns its exit code. */
export function reportError(context: Pick<CommandContext, "stderr">, json: boolean, error: unknown): number {
	const reported = describeError(error);
	context.stderr(formatError(reported, json));
	return reported.exitCode;
}

/** Fields that hold Unix seconds in the wire shapes; people read them as ISO-8601 UTC. */
const TIME_FIELDS = new Set(["createdAt", "updatedAt", "lastUsedAt", "lastActiveAt", "deactivatedAt", "expiresAt"]);

/** `2026-01-01T00:00:00Z` for 1767225600. */
export function formatUnixSeconds(seconds: number): string {
	return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, "Z");
}

function formatCell(key: string, value: unknown): string {
	if (value === undefined || value === null) return "";
	if (TIME_FIELDS.has(key) && typeof value === "number") return formatUnixSeconds(value);
	if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value.join(", ");
	return typeof value === "string" ? value : JSON.stringify(value);
}

/** Prints a value as JSON, or as aligned `key  value` lines for people (times in ISO-8601 UTC). */
export function printRecord(context: CommandContext, json: boolean, record: Record<string, unknown>): void {
	if (json) {
		context.stdout(JSON.stringify(record, null, 2));
		return;
	}
	const width = Math.max(...Object.keys(record).map((key) => key.length));
	for (const [key, value] of Object.entries(record)) context.stdout(`${key.padEnd(width)}  ${formatCell(key, value)}`);
}

/** Prints rows as JSON, or as a plain table with the given columns (times in ISO-8601 UTC). */
export function printTable(
	context: CommandContext,
	json: boolean,
	rows: Array<Record<string, unknown>>,
	columns: string[],
	extra: Record<string, unknown> = {},
): void {
	if (json) {
		context.stdout(JSON.stringify({ data: rows, ...extra }, null, 2));
		return;
	}
	if (rows.length === 0) {
		context.stdout("(none)");
		return;
	}
	const cells = rows.map((row) => columns.map((column) => formatCell(column, row[column])));
	const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => (row[i] ?? "").length)));
	const line = (values: string[]): string =>
		values
			.map((value, i) => value.padEnd(widths[i] ?? 0))
			.join("  ")
			.trimEnd();
	context.stdout(line(columns));
	for (const row of cells) context.stdout(line(row));
}
