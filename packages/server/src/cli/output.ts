import { ConfigError } from "../config.ts";
import { LatchkeyError } from "../domain/errors.ts";
import type { CommandContext } from "./context.ts";

/** Thrown for bad usage; main prints it and exits 2. */
export class UsageError extends Error {}

/** Prints a value as JSON, or as aligned `key  value` lines for people. */
export function printRecord(context: CommandContext, json: boolean, record: Record<string, unknown>): void {
	if (json) {
		context.stdout(JSON.stringify(record, null, 2));
		return;
	}
	const width = Math.max(...Object.keys(record).map((key) => key.length));
	for (const [key, value] of Object.entries(record)) {
		context.stdout(`${key.padEnd(width)}  ${typeof value === "string" ? value : JSON.stringify(value)}`);
	}
}

/** Prints rows as JSON, or as a plain table with the given columns. */
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
	const cell = (value: unknown): string =>
		value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
	const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
	const line = (values: string[]): string =>
		values
			.map((value, i) => value.padEnd(widths[i] ?? 0))
			.join("  ")
			.trimEnd();
	context.stdout(line(columns));
	for (const row of rows) context.stdout(line(columns.map((column) => cell(row[column]))));
}

/** `error: CODE: message` for domain errors; anything else is reported without internals. */
export function formatError(error: unknown): string {
	if (error instanceof LatchkeyError) {
		const details = Object.entries(error.details)
			.filter(([, messages]) => Array.isArray(messages))
			.map(([field, messages]) => `${field}: ${(messages as unknown[]).join(" ")}`);
		return `error: ${error.code}: ${error.message}${details.length > 0 ? ` (${details.join("; ")})` : ""}`;
	}
	if (error instanceof ConfigError) return `error: ERR_CONFIG: ${error.message}`;
	if (error instanceof Error) return `error: ERR_INTERNAL: ${error.message}`;
	return "error: ERR_INTERNAL: unknown failure";
}
