import { argon2PasswordHasher, type PasswordHasher } from "../../domain/operator-passwords.ts";
import { createOperator } from "../../domain/operators.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { printRecord } from "../output.ts";

export const SPEC: CommandSpec = {
	name: "admin",
	summary: "Manage dashboard operators.",
	appScoped: false,
	actions: [
		{
			name: "create",
			arguments: [],
			summary:
				"Create a dashboard operator. The password is read from stdin (at least 12 characters; one trailing newline is dropped), never from an argument, so it stays out of shell history and `ps`.",
			options: {
				email: { type: "string", value: "EMAIL", required: true, description: "the operator's sign-in email" },
				"password-stdin": { type: "boolean", required: true, description: "read the password from stdin" },
			},
		},
	],
};

/** Reads all of the process's stdin (when neither the test nor main.ts gave a reader). */
async function readProcessStdin(): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
	return Buffer.concat(chunks).toString("utf8");
}

export interface AdminCommandOptions {
	readPassword?: () => Promise<string>;
	hasher?: PasswordHasher;
}

/** `latchkey admin create`: a dashboard operator, password from stdin only. */
export function createAdminCommand(options: AdminCommandOptions = {}): Command {
	const hasher = options.hasher ?? argon2PasswordHasher;
	return async (args, context) => {
		const invocation = parseInvocation(SPEC, args);
		const read = options.readPassword ?? context.readStdin ?? readProcessStdin;
		// One trailing newline (what `echo` and a typed Enter add) is not part of the password.
		const password = (await read()).replace(/\r?\n$/, "");
		const deps = await context.openDomain();
		const operator = await createOperator(deps, hasher, { email: invocation.string("email"), password });
		printRecord(context, invocation.json, {
			id: operator.id,
			email: operator.email,
			createdAt: Math.floor(operator.createdAt / 1000),
		});
		const publicURL = context.publicURL ?? context.config.publicURL;
		if (!invocation.json) context.stdout(`Sign in at ${publicURL.replace(/\/+$/, "")}/dashboard/login`);
		return 0;
	};
}

export const run: Command = createAdminCommand();
