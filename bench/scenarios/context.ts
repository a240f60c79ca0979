import type { LoadResult, LoadSettings } from "../load.ts";

/** What every scenario gets from the runner. */
export interface ScenarioContext {
	settings: LoadSettings;
	smoke: boolean;
	/** False when `--only` excluded this scenario id. */
	isSelected(scenario: string): boolean;
	postgresURL: string | null;
	/** Set with `--profile`: Latchkey servers run with `--cpu-prof` and write here. */
	profileDir: string | null;
	/** Extra Node flags for every Latchkey server process (`--server-flag`). */
	serverFlags: string[];
	/** `--sockets`: how many sockets the socket scenario opens; null = what the server's open-files limit allows. */
	sockets: number | null;
	baseline: LoadResult | null;
	log(line: string): void;
	note(line: string): void;
}
