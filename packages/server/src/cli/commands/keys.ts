import { parseArgs } from "node:util";
import { createApiKey, deleteApiKey, listApiKeys } from "../../domain/api-keys.ts";
import { presentApiKey } from "../../domain/presenters.ts";
import type { Command } from "../context.ts";
import { printRecord, printTable, UsageError } from "../output.ts";
import { selectApp } from "../select-app.ts";

const USAGE =
	"usage: latchkey keys create --name NAME [--scope fullAccess|authOnly] | keys list | keys delete KEY_ID  [--app APP_ID] [--json]";

/** `latchkey keys create|list|delete`. */
export const run: Command = async (args, context) => {
	const [action, ...rest] = args;
	const { values, positionals } = parseArgs({
		args: rest,
		options: {
			app: { type: "string" },
			name: { type: "string" },
			scope: { type: "string" },
			json: { type: "boolean" },
		},
		allowPositionals: true,
		strict: true,
	});
	const json = values.json ?? false;
	if (action === "create" && values.name && positionals.length === 0) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		const { key, plaintext } = await createApiKey(deps, app.id, {
			name: values.name,
			...(values.scope && { scope: values.scope }),
		});
		printRecord(context, json, presentApiKey(key, plaintext));
		if (!json) context.stdout("The key is shown once; keep it.");
		return 0;
	}
	if (action === "list" && positionals.length === 0) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		const page = await listApiKeys(deps, app.id, { limit: 100, offset: 0 });
		printTable(
			context,
			json,
			page.items.map((key) => presentApiKey(key)),
			["id", "name", "scope", "createdAt"],
		);
		return 0;
	}
	if (action === "delete" && positionals.length === 1 && positionals[0]) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		const key = await deleteApiKey(deps, app.id, positionals[0], null);
		printRecord(context, json, { deleted: key.id });
		return 0;
	}
	throw new UsageError(USAGE);
};
