import { createApiKey, deleteApiKey, listApiKeys } from "../../domain/api-keys.ts";
import { presentApiKey } from "../../domain/presenters.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { printRecord, printTable } from "../output.ts";
import { selectApp } from "../select-app.ts";

export const SPEC: CommandSpec = {
	name: "keys",
	summary: "Manage an app's REST API Keys (fullAccess) and Auth Keys (authOnly).",
	appScoped: true,
	actions: [
		{
			name: "create",
			arguments: [],
			summary: "Create an API key; its value is shown once.",
			options: {
				name: { type: "string", value: "NAME", required: true, description: "what the key is for" },
				scope: { type: "string", value: "fullAccess|authOnly", description: "what it may do (default: authOnly)" },
			},
		},
		{ name: "list", arguments: [], summary: "List the app's keys (values masked).", options: {} },
		{ name: "delete", arguments: ["KEY_ID"], summary: "Delete a key; it stops working at once.", options: {} },
	],
};

/** `latchkey keys create|list|delete`. */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	const { json } = invocation;
	const deps = await context.openDomain();
	const app = await selectApp(deps, context, invocation.appId);
	switch (invocation.action.name) {
		case "create": {
			const scope = invocation.string("scope");
			const { key, plaintext } = await createApiKey(deps, app.id, {
				name: invocation.string("name"),
				...(scope !== undefined && { scope }),
			});
			printRecord(context, json, presentApiKey(key, plaintext));
			if (!json) context.stdout("The key is shown once; keep it.");
			return 0;
		}
		case "list": {
			const page = await listApiKeys(deps, app.id, { limit: 100, offset: 0 });
			printTable(
				context,
				json,
				page.items.map((key) => presentApiKey(key)),
				["id", "name", "scope", "createdAt", "expiresAt", "lastUsedAt"],
			);
			return 0;
		}
		default: {
			const key = await deleteApiKey(deps, app.id, invocation.positionals[0] ?? "", null);
			printRecord(context, json, { deleted: key.id });
			return 0;
		}
	}
};
