import { parseArgs } from "node:util";
import { runServer } from "../../run-server.ts";
import type { Command } from "../context.ts";

/** `latchkey serve`: the same as `npm start`. */
export const run: Command = async (args, context) => {
	parseArgs({ args, options: {}, allowPositionals: false, strict: true });
	return await runServer(context.config, {
		log: (line) => context.stdout(line),
		error: (line) => context.stderr(line),
		terminal: process.stdout.isTTY === true,
	});
};
