import { readConfig } from "../config.ts";
import { systemClock } from "../domain/clock.ts";
import type { DomainDeps } from "../domain/deps.ts";
import { type EventBus, noEvents } from "../events/bus.ts";
import { createPostgresEventBus } from "../events/postgres-bus.ts";
import { openStore } from "../open-store.ts";
import type { Store } from "../store/store.ts";
import * as admin from "./commands/admin.ts";
import * as apps from "./commands/apps.ts";
import * as devCert from "./commands/dev-cert.ts";
import * as keys from "./commands/keys.ts";
import * as migrate from "./commands/migrate.ts";
import * as serve from "./commands/serve.ts";
import * as tokens from "./commands/tokens.ts";
import * as users from "./commands/users.ts";
import type { Command, CommandContext } from "./context.ts";
import { formatError, UsageError } from "./output.ts";

const COMMANDS: Record<string, Command> = {
	serve: serve.run,
	migrate: migrate.run,
	apps: apps.run,
	keys: keys.run,
	users: users.run,
	tokens: tokens.run,
	"dev-cert": devCert.run,
	admin: admin.run,
};

const HELP = `latchkey: a self-hosted, CometChat-compatible auth service

usage: latchkey <command> [options]

  serve                           run the server (same as npm start)
  migrate                         bring the database schema up to date
  apps create|list                manage apps
  keys create|list|delete         manage REST API keys and Auth Keys
  users create|list|get|delete    manage users
  tokens create|list|delete|flush manage auth tokens
  admin create                    create a dashboard operator (password on stdin)
  dev-cert                        write a self-signed certificate for localhost into the data dir
Every command takes --json for scripts. Configuration comes from the environment (docs/config.md):
the CLI works on the same data dir or DATABASE_URL as the server, also while it runs.`;

export interface CLIIO {
	env: Record<string, string | undefined>;
	cwd: string;
	stdout(line: string): void;
	stderr(line: string): void;
}

/** Runs one CLI invocation; resolves with the exit code (0 ok, 1 failure, 2 bad usage). */
export async function runCLI(argv: string[], io: CLIIO): Promise<number> {
	const [name, ...args] = argv;
	if (!name || name === "help" || name === "--help" || name === "-h") {
		io.stdout(HELP);
		return name ? 0 : 2;
	}
	const command = COMMANDS[name];
	if (!command) {
		io.stderr(`error: unknown command "${name}"\n\n${HELP}`);
		return 2;
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
			async openDomain() {
				if (!domain) {
					store = await openStore(config);
					// On PostgreSQL the CLI's changes reach every node's caches and sockets at once; on SQLite the
					// server notices the CLI's commits by itself (events/foreign-writes.ts).
					bus = config.databaseURL ? await createPostgresEventBus({ url: config.databaseURL }) : null;
					domain = { store, clock: systemClock, events: bus ?? noEvents };
				}
				return domain;
			},
		};
		return await command(args, context);
	} catch (error) {
		if (error instanceof UsageError) {
			io.stderr(error.message);
			return 2;
		}
		if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
			io.stderr(`error: ${error.message}`);
			return 2;
		}
		io.stderr(formatError(error));
		return 1;
	} finally {
		await (bus as EventBus | null)?.close();
		await (store as Store | null)?.close();
	}
}
