import { parseArgs } from "node:util";
import { UsageError } from "./output.ts";

/**
 * The CLI's one command table: every command, action, argument and option with its help text. Parsing, the
 * help pages and the test that walks every `--help` all read it, so a command cannot exist without its help.
 */

export interface OptionSpec {
	type: "string" | "boolean";
	/** What a string option's value is called in help, e.g. `NAME`. */
	value?: string;
	/** Required options are shown without brackets and checked before the command runs. */
	required?: boolean;
	description: string;
}

export interface ActionSpec {
	/** The subcommand (`create`); "" for a command that has none (`serve`). */
	name: string;
	/** Positional arguments, in order, e.g. `["UID", "TOKEN_ID"]`; all required. */
	arguments: string[];
	summary: string;
	options: Record<string, OptionSpec>;
}

export interface CommandSpec {
	name: string;
	summary: string;
	/** Whether the actions work on one app: they take `--app` (default: LATCHKEY_APP, the only or the first app). */
	appScoped: boolean;
	actions: ActionSpec[];
}

/** What an action was called with, parsed and checked against its spec. */
export interface Invocation {
	action: ActionSpec;
	positionals: string[];
	json: boolean;
	/** `--app`, when the command is app-scoped and it was given. */
	appId: string | undefined;
	string(name: string): string | undefined;
	flag(name: string): boolean;
}

const JSON_OPTION: OptionSpec = { type: "boolean", description: "print JSON (for scripts) instead of text" };
const APP_OPTION: OptionSpec = {
	type: "string",
	value: "APP_ID",
	description: "the app to work on (default: LATCHKEY_APP, else the only app, else the first app created)",
};
const HELP_LINE = "  -h, --help";

/** Every option an action accepts: its own, then `--app` (app-scoped commands) and `--json`. */
export function listOptions(command: CommandSpec, action: ActionSpec): Array<[string, OptionSpec]> {
	return [
		...Object.entries(action.options),
		...(command.appScoped ? [["app", APP_OPTION] as [string, OptionSpec]] : []),
		["json", JSON_OPTION],
	];
}

function formatOption(name: string, option: OptionSpec): string {
	return option.type === "string" ? `--${name} ${option.value ?? "VALUE"}` : `--${name}`;
}

/** `latchkey users create --uid UID --name NAME [--avatar URL] … [--json]` */
export function formatUsage(command: CommandSpec, action: ActionSpec): string {
	const words = ["latchkey", command.name, action.name, ...action.arguments].filter(Boolean);
	for (const [name, option] of listOptions(command, action)) {
		words.push(option.required ? formatOption(name, option) : `[${formatOption(name, option)}]`);
	}
	return words.join(" ");
}

function formatOptionTable(rows: Array<[string, string]>): string[] {
	const width = Math.max(...rows.map(([left]) => left.length));
	return rows.map(([left, right]) => `${left.padEnd(width)}  ${right}`.trimEnd());
}

const HELP_WIDTH = 100;

/** Breaks a paragraph into lines of at most HELP_WIDTH characters (a longer word stays whole). */
function wrapText(text: string): string[] {
	const lines: string[] = [];
	let line = "";
	for (const word of text.split(/\s+/).filter(Boolean)) {
		if (line !== "" && line.length + 1 + word.length > HELP_WIDTH) {
			lines.push(line);
			line = word;
		} else line = line === "" ? word : `${line} ${word}`;
	}
	if (line !== "") lines.push(line);
	return lines;
}

/** The help page of one action: usage, what it does, every option. */
export function formatActionHelp(command: CommandSpec, action: ActionSpec): string {
	const rows: Array<[string, string]> = listOptions(command, action).map(([name, option]) => [
		`  ${formatOption(name, option)}`,
		option.description,
	]);
	rows.push([HELP_LINE, "show this help"]);
	return [
		`usage: ${formatUsage(command, action)}`,
		"",
		...wrapText(action.summary),
		"",
		"options:",
		...formatOptionTable(rows),
	].join("\n");
}

/** The help page of a command: its actions with their usage lines (or the action's page when there is only one). */
export function formatCommandHelp(command: CommandSpec): string {
	const only = command.actions[0];
	if (command.actions.length === 1 && only && only.name === "") return formatActionHelp(command, only);
	const rows: Array<[string, string]> = command.actions.map((action) => [`  ${action.name}`, action.summary]);
	return [
		`usage: latchkey ${command.name} <action> [options]`,
		"",
		command.summary,
		"",
		"actions:",
		...formatOptionTable(rows),
		"",
		...command.actions.map((action) => `  ${formatUsage(command, action)}`),
		"",
		`Run \`latchkey ${command.name} <action> --help\` for an action's options.`,
	].join("\n");
}

/** The action the arguments name, or null when they name none (or an unknown one). */
export function findAction(command: CommandSpec, args: readonly string[]): ActionSpec | null {
	const bare = command.actions.find((action) => action.name === "");
	if (bare) return bare;
	return command.actions.find((action) => action.name === args[0]) ?? null;
}

/** Whether `-h`/`--help` is among the options (not after `--`, where it would be a value). */
export function asksForHelp(args: readonly string[]): boolean {
	for (const arg of args) {
		if (arg === "--") return false;
		if (arg === "--help" || arg === "-h") return true;
	}
	return false;
}

/**
 * Parses an action's arguments against the table. Unknown options and missing values throw node's
 * `ERR_PARSE_ARGS_*` TypeError (main.ts words them); a wrong action, argument count or missing required
 * option throws UsageError.
 */
export function parseInvocation(command: CommandSpec, args: readonly string[]): Invocation {
	const action = findAction(command, args);
	if (!action) {
		const names = command.actions.map((candidate) => candidate.name).join(", ");
		throw new UsageError(
			args[0] === undefined || args[0].startsWith("-")
				? `latchkey ${command.name} needs an action: ${names}`
				: `unknown action "${args[0]}" for latchkey ${command.name}; one of: ${names}`,
			`latchkey ${command.name} --help`,
		);
	}
	const rest = action.name === "" ? args : args.slice(1);
	const options = Object.fromEntries(
		listOptions(command, action).map(([name, option]) => [name, { type: option.type }]),
	) as Record<string, { type: "string" | "boolean" }>;
	const { values, positionals } = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
	const help = `${["latchkey", command.name, action.name].filter(Boolean).join(" ")} --help`;
	if (positionals.length !== action.arguments.length) {
		throw new UsageError(
			action.arguments.length === 0
				? `unexpected argument "${positionals[0]}"`
				: positionals.length < action.arguments.length
					? `missing ${action.arguments.slice(positionals.length).join(" ")}`
					: `unexpected argument "${positionals[action.arguments.length]}"`,
			help,
		);
	}
	for (const [name, option] of Object.entries(action.options)) {
		if (option.required && values[name] === undefined) throw new UsageError(`--${name} is required`, help);
	}
	return {
		action,
		positionals,
		json: values.json === true,
		appId: typeof values.app === "string" ? values.app : undefined,
		string: (name) => {
			const value = values[name];
			return typeof value === "string" ? value : undefined;
		},
		flag: (name) => values[name] === true,
	};
}
