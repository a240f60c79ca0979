import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { LatchkeyError } from "../domain/errors.ts";
import type { ImportRow } from "../domain/user-import.ts";

/**
 * The file formats of `latchkey users import` (issue 18), read as a stream: the file is never held whole, only
 * one batch of rows (plus what is left of one read chunk, 64 KB) at a time.
 *
 * - NDJSON: one JSON object per line, with the fields of POST /v3/users; blank lines are skipped.
 * - CSV (RFC 4180): a header row naming the columns, then one user per record; quoted fields may hold commas,
 *   doubled quotes and line breaks. An empty cell leaves the field out. `metadata` is a JSON object; `tags` is
 *   `a;b;c` or a JSON array. Columns: CSV_COLUMNS.
 */
export type ImportFormat = "csv" | "ndjson";

export const CSV_COLUMNS = [
	"uid",
	"name",
	"avatar",
	"link",
	"role",
	"statusMessage",
	"metadata",
	"tags",
	"createdAt",
	"lastActiveAt",
] as const;

/** One physical line of the file, numbered from 1, with its size in bytes (for progress). */
interface Line {
	number: number;
	text: string;
	bytes: number;
}

/** A batch of rows read from the file, and how many bytes of the file they took. */
export interface RowBatch {
	rows: ImportRow[];
	bytes: number;
}

/** The format named by the file's extension: `.csv` is CSV, anything else NDJSON. */
export function guessImportFormat(file: string): ImportFormat {
	return file.toLowerCase().endsWith(".csv") ? "csv" : "ndjson";
}

/**
 * The file's lines in batches of `size` (the last one smaller), pausing the file while a batch is being imported: readline's
 * own async iterator keeps reading ahead, so a fast disk and a slow database would buffer the whole file.
 */
async function* readLineBatches(file: string, size: number): AsyncGenerator<Line[]> {
	const input = createReadStream(file, { encoding: "utf8" });
	const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
	const buffered: Line[] = [];
	let number = 0;
	let done = false;
	let failure: unknown = null;
	let wake: (() => void) | null = null;
	const notify = (): void => {
		wake?.();
		wake = null;
	};
	lines.on("line", (text) => {
		number++;
		// A byte-order mark is not part of the first field.
		const clean = number === 1 && text.startsWith("\uFEFF") ? text.slice(1) : text;
		buffered.push({ number, text: clean, bytes: Buffer.byteLength(text) + 1 });
		if (buffered.length >= size) lines.pause();
		notify();
	});
	lines.on("close", () => {
		done = true;
		notify();
	});
	input.on("error", (error) => {
		failure = error;
		done = true;
		notify();
	});
	try {
		while (true) {
			if (failure !== null) throw failure;
			if (buffered.length >= size || (done && buffered.length > 0)) {
				// Exactly `size` lines: a paused readline still hands over the rest of the chunk it had read.
				const batch = buffered.splice(0, size);
				yield batch;
				if (!done && buffered.length < size) lines.resume();
				continue;
			}
			if (done) return;
			await new Promise<void>((resolve) => {
				wake = resolve;
			});
		}
	} finally {
		lines.close();
		input.destroy();
	}
}

function rejected(line: number, message: string, details: Record<string, string[]> = {}): ImportRow {
	return { label: `line ${line}`, error: new LatchkeyError("ERR_BAD_REQUEST", message, details) };
}

/** NDJSON rows in batches of `size`. */
export async function* readNDJSONRows(file: string, size: number): AsyncGenerator<RowBatch> {
	for await (const lines of readLineBatches(file, size)) {
		const rows: ImportRow[] = [];
		let bytes = 0;
		for (const line of lines) {
			bytes += line.bytes;
			if (line.text.trim() === "") continue;
			let value: unknown;
			try {
				value = JSON.parse(line.text);
			} catch {
				rows.push(rejected(line.number, "The line is not valid JSON."));
				continue;
			}
			if (value === null || typeof value !== "object" || Array.isArray(value)) {
				rows.push(rejected(line.number, "The line must be a JSON object."));
				continue;
			}
			rows.push({ label: `line ${line.number}`, input: value });
		}
		yield { rows, bytes };
	}
}

/** Splits one CSV record (RFC 4180) into its fields; null when a quote is left open (the record goes on). */
export function parseCSVRecord(text: string): string[] | null {
	const fields: string[] = [];
	let field = "";
	let quoted = false;
	let atFieldStart = true;
	for (let i = 0; i < text.length; i++) {
		const char = text[i] as string;
		if (quoted) {
			if (char !== '"') field += char;
			else if (text[i + 1] === '"') {
				field += '"';
				i++;
			} else quoted = false;
			continue;
		}
		if (char === '"' && atFieldStart) {
			quoted = true;
			atFieldStart = false;
		} else if (char === ",") {
			fields.push(field);
			field = "";
			atFieldStart = true;
		} else {
			field += char;
			atFieldStart = false;
		}
	}
	if (quoted) return null;
	fields.push(field);
	return fields;
}

/** A CSV cell as the user field it names; empty cells were left out before. */
function readCell(column: string, cell: string): { value: unknown } | { error: string } {
	if (column === "metadata") {
		try {
			return { value: JSON.parse(cell) };
		} catch {
			return { error: "The metadata must be valid JSON." };
		}
	}
	if (column === "tags") {
		if (!cell.trimStart().startsWith("[")) return { value: cell.split(";").filter((tag) => tag !== "") };
		try {
			return { value: JSON.parse(cell) };
		} catch {
			return { error: "The tags must be a;b;c or a JSON array." };
		}
	}
	return { value: cell };
}

/** A record longer than this (in lines) is a quote left open by mistake, not a field with line breaks. */
const MAX_LINES_PER_RECORD = 100;

/**
 * CSV rows in batches of about `size`. The header must name known columns (CSV_COLUMNS), `uid` among them; a
 * bad header throws ERR_BAD_REQUEST before anything is imported.
 */
export async function* readCSVRows(file: string, size: number): AsyncGenerator<RowBatch> {
	let header: string[] | null = null;
	let pending: { number: number; text: string; lines: number } | null = null;
	for await (const lines of readLineBatches(file, size)) {
		const rows: ImportRow[] = [];
		let bytes = 0;
		for (const line of lines) {
			bytes += line.bytes;
			const record: { number: number; text: string; lines: number } = pending
				? { number: pending.number, text: `${pending.text}\n${line.text}`, lines: pending.lines + 1 }
				: { number: line.number, text: line.text, lines: 1 };
			const fields = parseCSVRecord(record.text);
			if (fields === null) {
				pending = record.lines < MAX_LINES_PER_RECORD ? record : null;
				if (pending === null) rows.push(rejected(record.number, "A quoted field is never closed."));
				continue;
			}
			pending = null;
			if (header === null) {
				header = readHeader(fields);
				continue;
			}
			if (fields.length === 1 && fields[0] === "") continue;
			rows.push(readCSVRow(header, fields, record.number));
		}
		yield { rows, bytes };
	}
	if (pending) yield { rows: [rejected(pending.number, "A quoted field is never closed.")], bytes: 0 };
	if (header === null) throw new LatchkeyError("ERR_BAD_REQUEST", "The CSV file has no header row.");
}

function readHeader(fields: string[]): string[] {
	const names = fields.map((field) => field.trim());
	const unknown = names.filter((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
	if (unknown.length > 0 || !names.includes("uid")) {
		throw new LatchkeyError(
			"ERR_BAD_REQUEST",
			`The CSV header must name the columns (uid and any of ${CSV_COLUMNS.slice(1).join(", ")})${
				unknown.length > 0 ? `; unknown: ${unknown.join(", ")}` : ""
			}.`,
		);
	}
	return names;
}

function readCSVRow(header: string[], fields: string[], line: number): ImportRow {
	if (fields.length !== header.length) {
		return rejected(line, `The row has ${fields.length} fields; the header names ${header.length}.`);
	}
	const input: Record<string, unknown> = {};
	const details: Record<string, string[]> = {};
	header.forEach((column, index) => {
		const cell = fields[index] as string;
		if (cell === "") return;
		const read = readCell(column, cell);
		if ("error" in read) details[column] = [read.error];
		else input[column] = read.value;
	});
	if (Object.keys(details).length > 0) {
		return rejected(line, "Failed to validate the data sent with the request.", details);
	}
	return { label: `line ${line}`, input };
}

/** Rows of `file` in `format`, in batches of about `size`. */
export function readImportRows(file: string, format: ImportFormat, size: number): AsyncGenerator<RowBatch> {
	return format === "csv" ? readCSVRows(file, size) : readNDJSONRows(file, size);
}
