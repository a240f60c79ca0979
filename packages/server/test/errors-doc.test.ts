import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { ERROR_STATUS } from "../src/web/error-status.ts";

const DOC_PATH = fileURLToPath(new URL("../../../docs/errors.md", import.meta.url));

/** The rows of the "## Codes" table: `| \`CODE\` | 404 | … |`. */
function parseCodesTable(markdown: string): Array<{ code: string; status: number }> {
	const section = markdown.split(/^## /m).find((part) => part.startsWith("Codes\n"));
	if (!section) throw new Error("docs/errors.md has no '## Codes' section");
	const rows: Array<{ code: string; status: number }> = [];
	for (const line of section.split("\n")) {
		const match = /^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/.exec(line);
		if (match?.[1] && match[2]) rows.push({ code: match[1], status: Number(match[2]) });
	}
	return rows;
}

const rows = parseCodesTable(readFileSync(DOC_PATH, "utf8"));

test("docs/errors.md lists each code once", () => {
	const codes = rows.map((row) => row.code);
	expect(codes.length).toBeGreaterThan(0);
	expect(codes.filter((code, i) => codes.indexOf(code) !== i)).toEqual([]);
});

test("every code in ERROR_STATUS is documented with the same HTTP status", () => {
	const documented = Object.fromEntries(rows.map((row) => [row.code, row.status]));
	const missingOrDifferent = Object.entries(ERROR_STATUS).filter(([code, status]) => documented[code] !== status);
	expect(missingOrDifferent).toEqual([]);
});

test("every documented code exists in ERROR_STATUS", () => {
	const table: Record<string, number> = ERROR_STATUS;
	expect(rows.filter((row) => table[row.code] === undefined).map((row) => row.code)).toEqual([]);
});

test("the parser reads the table the doc actually has (it can fail)", () => {
	expect(parseCodesTable("## Codes\n| `ERR_X` | 418 | m | w |\n| `nope` | 1 | | |\n")).toEqual([
		{ code: "ERR_X", status: 418 },
	]);
	expect(() => parseCodesTable("# nothing")).toThrow();
});

test("every error code the CLI can print is documented, in the CLI table or the API's", () => {
	const markdown = readFileSync(DOC_PATH, "utf8");
	const cliSection = markdown.split(/^## /m).find((part) => part.startsWith("CLI error codes\n")) ?? "";
	const cliCodes = new Set([...cliSection.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*[12]\s*\|/gm)].map((match) => match[1]));
	expect(cliCodes.size).toBeGreaterThan(10);
	const sources = [
		...readdirSync(fileURLToPath(new URL("../src/cli/", import.meta.url)), { recursive: true, encoding: "utf8" })
			.filter((name) => name.endsWith(".ts"))
			.map((name) => fileURLToPath(new URL(`../src/cli/${name}`, import.meta.url))),
		fileURLToPath(new URL("../src/store/sqlite-backup.ts", import.meta.url)),
	];
	const used = new Set<string>();
	for (const file of sources) {
		// Node's own parseArgs codes are translated to ERR_USAGE before anything is printed.
		for (const match of readFileSync(file, "utf8").matchAll(/"(ERR_[A-Z_]+)"/g)) {
			if (!match[1]?.startsWith("ERR_PARSE_ARGS")) used.add(match[1] as string);
		}
	}
	const table: Record<string, number> = ERROR_STATUS;
	expect([...used].filter((code) => !cliCodes.has(code) && table[code] === undefined)).toEqual([]);
});
