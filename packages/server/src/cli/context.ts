import type { Config } from "../config.ts";
import type { DomainDeps } from "../domain/deps.ts";

/** What every command gets; commands never read process.env or process.argv themselves. */
export interface CommandContext {
	config: Readonly<Config>;
	stdout(line: string): void;
	stderr(line: string): void;
	/** Opens (and migrates) the store the config names, once; closed by main after the command. */
	openDomain(): Promise<DomainDeps>;
}

/** A command: parses its own arguments, returns the exit code (0 ok, 1 failure, 2 bad usage). */
export type Command = (args: string[], context: CommandContext) => Promise<number>;
