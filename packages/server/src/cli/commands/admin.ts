import { parseArgs } from "node:util";
import { argon2PasswordHasher, type PasswordHasher } from "../../domain/operator-passwords.ts";
import { createOperator } from "../../domain/operators.ts";
import type { Command } from "../context.ts";
import { printRecord, UsageError } from "../output.ts";

const USAGE = "usage: latchkey admin create --email EMAIL --password-stdin [--json]";

/** Reads all of stdin; one trailing newline (what `echo` and a typed Enter add) is not part of the password. */
async function readStdin(): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
	return Buffer.concat(chunks)
		.toString("utf8")
		.replace(/\r?\n$/, "");
}

export interface AdminCommandOptions {
	readPassword?: () => Promise<string>;
	hasher?: PasswordHasher;
}

/**
 * `latchkey admin create`: a dashboard operator. The password comes only from stdin, never from an
 * argument, so it stays out of shell history and `ps`.
 */
export function createAdminCommand(options: AdminCommandOptions = {}): Command {
	const readPassword = options.readPassword ?? readStdin;
	const hasher = options.hasher ?? argon2PasswordHasher;
	return async (args, context) => {
		const [action, ...rest] = args;
		const { values, positionals } = parseArgs({
			args: rest,
			options: {
				email: { type: "string" },
				"password-stdin": { type: "boolean" },
				json: { type: "boolean" },
			},
			allowPositionals: true,
			strict: true,
		});
		if (action !== "create" || !values.email || !values["password-stdin"] || positionals.length > 0) {
			throw new UsageError(USAGE);
		}
		const password = await readPassword();
		const deps = await context.openDomain();
		const operator = await createOperator(deps, hasher, { email: values.email, password });
		printRecord(context, values.json ?? false, {
			id: operator.id,
			email: operator.email,
			createdAt: Math.floor(operator.createdAt / 1000),
		});
		if (!values.json) context.stdout(`Sign in at ${context.config.publicURL.replace(/\/+$/, "")}/dashboard/login`);
		return 0;
	};
}

export const run: Command = createAdminCommand();
