import { type CLIIO, runCLI } from "../src/cli/main.ts";

/** What one in-process run of the CLI printed, line by line, and its exit code. */
export interface CLIRun {
	code: number;
	stdout: string;
	stderr: string;
}

/**
 * Runs the CLI in this process on the data directory `dataDir` (LATCHKEY_DATA_DIR), collecting what it prints.
 * `cwd` defaults to the data directory; `env` adds variables; `confirm` answers its prompts.
 *
 * @example
 * const run = await runCLIIn(dataDir, ["users", "list", "--json"]);
 */
export async function runCLIIn(
	dataDir: string,
	argv: string[],
	options: { env?: Record<string, string>; cwd?: string; confirm?: CLIIO["confirm"] } = {},
): Promise<CLIRun> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await runCLI(argv, {
		env: { LATCHKEY_DATA_DIR: dataDir, ...options.env },
		cwd: options.cwd ?? dataDir,
		stdout: (line) => out.push(line),
		stderr: (line) => err.push(line),
		...(options.confirm && { confirm: options.confirm }),
	});
	return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}
