import { createApp, deleteApp, getApp, listApps, REGIONS, renameApp } from "../../domain/apps.ts";
import { presentApp } from "../../domain/presenters.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { CLIError, printRecord, printTable } from "../output.ts";

export const SPEC: CommandSpec = {
	name: "apps",
	summary: "Create, list, rename and delete apps.",
	appScoped: false,
	actions: [
		{
			name: "create",
			arguments: [],
			summary: "Create an app with its REST API Key and Auth Key (shown once) and five sample users.",
			options: {
				name: { type: "string", value: "NAME", required: true, description: "the app's name, 1-100 characters" },
				region: { type: "string", value: REGIONS.join("|"), description: "the app's region (default: us)" },
				"skip-sample-data": { type: "boolean", description: "create no sample users" },
			},
		},
		{ name: "list", arguments: [], summary: "List every app, oldest first.", options: {} },
		{
			name: "rename",
			arguments: ["APP_ID", "NAME"],
			summary: "Give an app a new name; its id, keys, users and tokens stay.",
			options: {},
		},
		{
			name: "delete",
			arguments: ["APP_ID"],
			summary:
				"Delete an app with every user, auth token and API key of it, and close its live sockets. Cannot be undone.",
			options: {
				yes: { type: "boolean", description: "do not ask (required when stdin is not a terminal)" },
			},
		},
	],
};

/** `latchkey apps create|list|rename|delete`. */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	const { json, positionals } = invocation;
	const deps = await context.openDomain();
	switch (invocation.action.name) {
		case "create": {
			const region = invocation.string("region");
			const created = await createApp(deps, {
				name: invocation.string("name"),
				...(region !== undefined && { region }),
				skipSampleData: invocation.flag("skip-sample-data"),
			});
			printRecord(context, json, {
				...presentApp(created.app),
				restApiKey: created.restApiKey,
				authKey: created.authKey,
				sampleUsers: created.sampleUsers.map((user) => user.uid),
			});
			if (!json) {
				const publicURL = (context.publicURL ?? context.config.publicURL).replace(/\/+$/, "");
				context.stdout("The keys are shown once; keep them.");
				context.stdout(`Clients reach the app at ${publicURL}/v3 with appid ${created.app.id}.`);
			}
			return 0;
		}
		case "list":
			printTable(context, json, (await listApps(deps)).map(presentApp), ["appId", "name", "region", "createdAt"]);
			return 0;
		case "rename": {
			const [appId = "", name] = positionals;
			printRecord(context, json, presentApp(await renameApp(deps, appId, { name })));
			return 0;
		}
		default: {
			const [appId = ""] = positionals;
			const app = await getApp(deps, appId);
			if (!invocation.flag("yes")) {
				const question = `Delete the app "${app.name}" (${app.id}) with every user, auth token and API key of it? This cannot be undone.`;
				if (!context.confirm) {
					throw new CLIError(
						"ERR_CONFIRMATION_REQUIRED",
						`Deleting the app ${app.id} cannot be undone: pass --yes to confirm (on a terminal you are asked instead).`,
					);
				}
				if (!(await context.confirm(question))) throw new CLIError("ERR_CANCELLED", "Nothing was deleted.");
			}
			const deleted = await deleteApp(deps, app.id);
			if (json) printRecord(context, true, { deleted: app.id, ...deleted });
			else {
				context.stdout(
					`Deleted the app "${app.name}" (${app.id}): ${deleted.users} users, ${deleted.authTokens} auth tokens, ${deleted.apiKeys} API keys.`,
				);
			}
			return 0;
		}
	}
};
