import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createAuditRecorder } from "../audit/recorder.ts";
import { prepareDataDir } from "../bootstrap.ts";
import { type Config, readConfig } from "../config.ts";
import { systemClock } from "../domain/clock.ts";
import type { DomainDeps } from "../domain/deps.ts";
import { createTokenCipher } from "../domain/token-cipher.ts";
import { type EventBus, noEvents } from "../events/bus.ts";
import { createPostgresEventBus } from "../events/postgres-bus.ts";
import { openStore } from "../open-store.ts";
import { getLatestSchema } from "../store/sqlite-backup.ts";
import type { Store } from "../store/store.ts";
import { type CommandSpec, findAction, formatActionHelp, formatCommandHelp } from "./command-spec.ts";
import * as admin from "./commands/admin.ts";
import * as apps from "./commands/apps.ts";
import * as audit from "./commands/audit.ts";
import * as backup from "./commands/backup.ts";
import * as devCert from "./commands/dev-cert.ts";
import * as idp from "./commands/idp.ts";
import * as keys from "./commands/keys.ts";
import * as migrate from "./commands/migrate.ts";
import * as restore from "./commands/restore.ts";
import * as security from "./commands/security.ts";
import * as serve from "./commands/serve.ts";
import * as tokens from "./commands/tokens.ts";
import * as users from "./commands/users.ts";
import type { Command, CommandContext } from "./context.ts";
import { describeMissingDataDir } from "./data-dir.ts";
import { reportError, UsageError } from "./output.ts";

/** Every command, in the order help lists them: its table entry (actions, options, help) and what runs it. */
export const COMMANDS: ReadonlyArray<{ spec: CommandSpec; run: Command }> = [
	serve,
	migrate,
	apps,
	keys,
	users,
	tokens,
	security,
	audit,
	idp,
	admin,
	backup,
	restore,
	devCert,
].map((command) => ({ spec: command.SPEC, run: command.run }));

function formatHelp(): string {
	// A command without actions (serve) is listed with its short summary; an action with its first sentence.
	const rows = COMMANDS.flatMap(({ spec }) =>
		spec.actions.map(
			(action) =>
				[
					[spec.name, action.name].filter(Boolean).join(" "),
					action.name === "" ? spec.summary : action.summary.replace(/\. .*$/, "."),
				] as const,
		),
	);
	const width = Math.max(...rows.map(([left]) => left.length));
	return [
		"latchkey: a self-hosted, CometChat-compatible auth service",
		"",
		"usage: latchkey <command> [<action>] [options]",
		"",
		...rows.map(([left, summary]) => `  ${left.padEnd(width)}  ${summary}`),
		"",
		"  latchkey <command> --help      a command's actions; `latchkey <command> <action> --help`: its options",
		"  latchkey --version             the version and the database schema it runs",
		"",
		"Every command takes --json for scripts (errors then come as a JSON object on stderr). Commands that work on",
		"one app take --app APP_ID; without it LATCHKEY_APP, else the only app, else the first app created.",
		"Configuration comes from the environment (docs/config.md): the CLI works on the same data dir or",
		"DATABASE_URL as the server, also while it runs. Exit codes: 0 ok, 1 failure, 2 bad usage.",
	].join("\n");
}

/** packages/server/package.json: two levels up from src/cli/ and from dist/cli/ alike. */
function readVersion(): string {
	const manifest: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
	const version = (manifest as { version?: unknown }).version;
	return typeof version === "string" ? version : "unknown";
}

export interface CLIIO {
	env: Record<string, string | undefined>;
	cwd: string;
	stdout(line: string): void;
	stderr(line: string): void;
	/** Reads all of stdin; absent: the process's stdin (tests give the text). */
	readStdin?(): Promise<string>;
	/** Asks a yes/no question; give it only when a person is at a terminal (bin/latchkey.js does). */
	confirm?(question: string): Promise<boolean>;
}

/** The options before `--` (after it every word is a value). */
function optionWords(args: readonly string[]): string[] {
	const end = args.indexOf("--");
	return end === -1 ? [...args] : args.slice(0, end);
}

/** Node's parseArgs messages, in our words (its own hint for unknown options has unbalanced quotes). */
function describeParseError(error: TypeError & { code: string }, help: string): UsageError {
	const option = /'(-[^' ]+)/.exec(error.message)?.[1] ?? "";
	switch (error.code) {
		case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
			return new UsageError(`unknown option ${option}`, help);
		case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
			return new UsageError(
				/does not take an argument/.test(error.message) ? `${option} takes no value` : `${option} needs a value`,
				help,
			);
		default:
			return new UsageError(error.message.replace(/\..*$/s, ""), help);
	}
}

function isParseError(error: unknown): error is TypeError & { code: string } {
	return error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS");
}

/**
 * The server's address for hints (the dashboard's sign-in URL): the CLI's own configuration when it names one;
 * otherwise the address the server wrote into credentials.json at its first start, which knows the port the
 * server really runs on even when the CLI's environment does not.
 */
function findPublicURL(config: Readonly<Config>, env: Record<string, string | undefined>): string {
	if (env.LATCHKEY_PUBLIC_URL || env.PORT) return config.publicURL;
	try {
		const credentials: unknown = JSON.parse(readFileSync(path.join(config.dataDir, "credentials.json"), "utf8"));
		const baseURL = (credentials as { baseURL?: unknown }).baseURL;
		if (typeof baseURL === "string" && /^https?:\/\//.test(baseURL)) return baseURL.replace(/\/v3\/?$/, "");
	} catch {
		// No credentials.json (PostgreSQL node, or never started here): the configured default is all we know.
	}
	return config.publicURL;
}

/** Runs one CLI invocation; resolves with the exit code (0 ok, 1 failure, 2 bad usage). */
export async function runCLI(argv: string[], io: CLIIO): Promise<number> {
	const [name, ...args] = argv;
	const json = optionWords(argv).includes("--json");
	if (name === "--version" || name === "-v" || name === "version") {
		// The schema is the newest migration this build knows: what a backup or a dump is checked against.
		const [version, schema] = [readVersion(), getLatestSchema()];
		io.stdout(json ? JSON.stringify({ version, schema }) : `${version} (schema ${schema})`);
		return 0;
	}
	if (name === "--help" || name === "-h" || name === "help") {
		const topic = COMMANDS.find(({ spec }) => spec.name === args[0]);
		const action = topic && args.length > 1 ? findAction(topic.spec, args.slice(1)) : null;
		io.stdout(topic ? (action ? formatActionHelp(topic.spec, action) : formatCommandHelp(topic.spec)) : formatHelp());
		return 0;
	}
	if (name === undefined) {
		io.stdout(formatHelp());
		return reportError(io, json, new UsageError("a command is required", "latchkey --help"));
	}
	if (name.startsWith("-")) return reportError(io, json, new UsageError(`unknown option ${name}`, "latchkey --help"));
	const command = COMMANDS.find(({ spec }) => spec.name === name);
	if (!command) return reportError(io, json, new UsageError(`unknown command "${name}"`, "latchkey --help"));
	const action = findAction(command.spec, args);
	if (optionWords(args).some((word) => word === "--help" || word === "-h")) {
		io.stdout(action ? formatActionHelp(command.spec, action) : formatCommandHelp(command.spec));
		return 0;
	}

	let store: Store | null = null;
	let bus: EventBus | null = null;
	try {
		const config = readConfig(io.env, io.cwd);
		let domain: DomainDeps | null = null;
		const context: CommandContext = {
			config,
			stdout: io.stdout,
			stderr: io.stderr,
			...(io.env.LATCHKEY_APP && { defaultAppId: io.env.LATCHKEY_APP }),
			publicURL: findPublicURL(config, io.env),
			...(io.confirm && { confirm: io.confirm }),
			...(io.readStdin && { readStdin: io.readStdin }),
			cwd: io.cwd,
			requireDataDir() {
				if (!existsSync(config.dataDir)) throw describeMissingDataDir(config.dataDir, io.env, io.cwd);
			},
			async openDomain() {
				if (!domain) {
					if (!config.databaseURL && !existsSync(config.dataDir)) {
						// Only migrate starts a new data dir; any other command there would act on an empty database.
						if (name !== "migrate") throw describeMissingDataDir(config.dataDir, io.env, io.cwd);
						prepareDataDir(config.dataDir);
					}
					store = await openStore(config);
					// On PostgreSQL the CLI's changes reach every node's caches and sockets at once; on SQLite the
					// server notices the CLI's commits by itself (events/foreign-writes.ts).
					bus = config.databaseURL ? await createPostgresEventBus({ url: config.databaseURL }) : null;
					domain = {
						store,
						clock: systemClock,
						events: bus ?? noEvents,
						...(config.tokenEncryptionKey && { tokenCipher: createTokenCipher(config.tokenEncryptionKey) }),
						// What the CLI changes is audited as the CLI's (issue 16): no address, no user agent.
						audit: createAuditRecorder(
							store,
							{ actor: { kind: "cli", id: null }, ip: null, userAgent: null },
							{
								clock: systemClock,
								onError: (error) => io.stderr(`warning: the audit log did not record this change: ${String(error)}`),
							},
						),
					};
				}
				return domain;
			},
		};
		return await command.run(args, context);
	} catch (error) {
		const help = `${["latchkey", name, action?.name].filter(Boolean).join(" ")} --help`;
		return reportError(io, json, isParseError(error) ? describeParseError(error, help) : error);
	} finally {
		await (bus as EventBus | null)?.close();
		await (store as Store | null)?.close();
	}
}
