import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";

export const SPEC: CommandSpec = {
	name: "migrate",
	summary: "Bring the database schema up to date (the server also does this at every start).",
	appScoped: false,
	actions: [
		{
			name: "",
			arguments: [],
			summary:
				"Bring the database schema up to date (the server also does this at every start). Creates the data dir when it does not exist.",
			options: {},
		},
	],
};

/** `latchkey migrate`. */
export const run: Command = async (args, context) => {
	const { json } = parseInvocation(SPEC, args);
	await context.openDomain();
	const where = context.config.databaseURL ? "PostgreSQL" : context.config.dataDir;
	context.stdout(json ? JSON.stringify({ migrated: true }) : `Schema is up to date (${where}).`);
	return 0;
};
