import { CLIError } from "./output.ts";

/**
 * The error for a data dir that does not exist, saying where its path came from: a CLI started outside the
 * server's directory would otherwise fail with SQLite's own words, or worse, work on a new empty database.
 */
export function describeMissingDataDir(
	dataDir: string,
	env: Record<string, string | undefined>,
	cwd: string,
): CLIError {
	const setting = env.LATCHKEY_DATA_DIR
		? `LATCHKEY_DATA_DIR is "${env.LATCHKEY_DATA_DIR}"`
		: `LATCHKEY_DATA_DIR is not set, so it is .latchkey under the working directory ${cwd}`;
	return new CLIError(
		"ERR_DATA_DIR_NOT_FOUND",
		`The data dir ${dataDir} does not exist (${setting}). Run the CLI in the directory the server runs in, or set LATCHKEY_DATA_DIR to the server's data dir (or DATABASE_URL to its PostgreSQL database); \`latchkey migrate\` creates a new one.`,
		{ dataDir },
	);
}
