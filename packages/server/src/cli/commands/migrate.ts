import { parseArgs } from "node:util";
import type { Command } from "../context.ts";

/** `latchkey migrate`: brings the schema up to date (the server also does this at every start). */
export const run: Command = async (args, context) => {
	const { values } = parseArgs({ args, options: { json: { type: "boolean" } }, strict: true });
	await context.openDomain();
	const where = context.config.databaseURL ? "PostgreSQL" : context.config.dataDir;
	context.stdout(values.json ? JSON.stringify({ migrated: true }) : `Schema is up to date (${where}).`);
	return 0;
};
