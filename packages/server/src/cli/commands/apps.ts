import { parseArgs } from "node:util";
import { createApp, listApps } from "../../domain/apps.ts";
import { presentApp } from "../../domain/presenters.ts";
import type { Command } from "../context.ts";
import { printRecord, printTable, UsageError } from "../output.ts";

const USAGE =
	"usage: latchkey apps create --name NAME [--region us|eu|in] [--skip-sample-data] [--json] | apps list [--json]";

/** `latchkey apps create|list`. */
export const run: Command = async (args, context) => {
	const [action, ...rest] = args;
	const { values } = parseArgs({
		args: rest,
		options: {
			name: { type: "string" },
			region: { type: "string" },
			"skip-sample-data": { type: "boolean" },
			json: { type: "boolean" },
		},
		strict: true,
	});
	const json = values.json ?? false;
	const deps = await context.openDomain();
	if (action === "create") {
		if (!values.name) throw new UsageError(USAGE);
		const created = await createApp(deps, {
			name: values.name,
			...(values.region && { region: values.region }),
			skipSampleData: values["skip-sample-data"] ?? false,
		});
		printRecord(context, json, {
			...presentApp(created.app),
			restApiKey: created.restApiKey,
			authKey: created.authKey,
			sampleUsers: created.sampleUsers.map((user) => user.uid),
		});
		if (!json) context.stdout("The keys are shown once; keep them.");
		return 0;
	}
	if (action === "list") {
		printTable(context, json, (await listApps(deps)).map(presentApp), ["appId", "name", "region", "createdAt"]);
		return 0;
	}
	throw new UsageError(USAGE);
};
