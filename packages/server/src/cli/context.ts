import type { Config } from "../config.ts";
import type { DomainDeps } from "../domain/deps.ts";

/** What every command gets; commands never read process.env or process.argv themselves. */
export interface CommandContext {
	config: Readonly<Config>;
	stdout(line: string): void;
	stderr(line: string): void;
	/** Opens (and migrates) the store the config names, once; closed by main after the command. */
	openDomain(): Promise<DomainDeps>;
	/** The working directory relative file arguments are resolved against; absent: the process's. */
	cwd?: string;
	/** Throws ERR_DATA_DIR_NOT_FOUND, saying where the path came from, when the data dir does not exist. */
	requireDataDir?(): void;
	/** LATCHKEY_APP: the app commands work on without `--app` (else the only app, else the first created). */
	defaultAppId?: string;
	/**
	 * Where people reach the server, for the URLs in hints: `config.publicURL` when LATCHKEY_PUBLIC_URL or PORT is
	 * set for the CLI, else the server's own (from credentials.json). Absent: `config.publicURL`.
	 */
	publicURL?: string;
	/** Reads all of stdin (`admin create --password-stdin`); absent: the process's stdin. */
	readStdin?(): Promise<string>;
	/** Asks a yes/no question on a terminal; absent when stdin is not one (then destructive commands need --yes). */
	confirm?(question: string): Promise<boolean>;
}

/** A command: parses its own arguments, returns the exit code (0 ok, 1 failure, 2 bad usage). */
export type Command = (args: string[], context: CommandContext) => Promise<number>;
