import { runServer } from "../../run-server.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";

export const SPEC: CommandSpec = {
	name: "serve",
	summary: "Run the server (the same as npm start).",
	appScoped: false,
	actions: [
		{
			name: "",
			arguments: [],
			summary:
				"Run the server (the same as npm start): configured by the environment (docs/config.md), stopped by SIGTERM or SIGINT. --json is accepted and changes nothing: the log is JSON lines already.",
			options: {},
		},
	],
};

/** `latchkey serve`. */
export const run: Command = async (args, context) => {
	parseInvocation(SPEC, args);
	return await runServer(context.config, {
		log: (line) => context.stdout(line),
		error: (line) => context.stderr(line),
		terminal: process.stdout.isTTY === true,
	});
};
