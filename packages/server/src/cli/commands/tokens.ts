import { parseArgs } from "node:util";
import { createAuthToken, deleteAuthToken, flushAuthTokens, listAuthTokens } from "../../domain/auth-tokens.ts";
import { presentAuthToken } from "../../domain/presenters.ts";
import type { Command } from "../context.ts";
import { printRecord, printTable, UsageError } from "../output.ts";
import { selectApp } from "../select-app.ts";

const USAGE =
	"usage: latchkey tokens create UID | tokens list UID | tokens delete UID TOKEN_ID | tokens flush UID  [--app APP_ID] [--json]";

/** `latchkey tokens create|list|delete|flush`. */
export const run: Command = async (args, context) => {
	const [action, ...rest] = args;
	const { values, positionals } = parseArgs({
		args: rest,
		options: { app: { type: "string" }, platform: { type: "string" }, json: { type: "boolean" } },
		allowPositionals: true,
		strict: true,
	});
	const json = values.json ?? false;
	const [uid, reference] = positionals;
	if (!uid) throw new UsageError(USAGE);
	if (action === "create" && positionals.length === 1) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		const { token, plaintext } = await createAuthToken(deps, app.id, uid, {
			...(values.platform && { platform: values.platform }),
		});
		printRecord(context, json, presentAuthToken(token, plaintext));
		if (!json) context.stdout("The token is shown once; keep it.");
		return 0;
	}
	if (action === "list" && positionals.length === 1) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		const page = await listAuthTokens(deps, app.id, uid, { limit: 100, offset: 0 });
		printTable(
			context,
			json,
			page.items.map((token) => presentAuthToken(token)),
			["id", "platform", "createdAt", "lastUsedAt"],
		);
		return 0;
	}
	if (action === "delete" && reference && positionals.length === 2) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		const token = await deleteAuthToken(deps, app.id, uid, reference);
		printRecord(context, json, { deleted: token.id });
		return 0;
	}
	if (action === "flush" && positionals.length === 1) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		printRecord(context, json, { flushed: await flushAuthTokens(deps, app.id, uid), uid: uid.toLowerCase() });
		return 0;
	}
	throw new UsageError(USAGE);
};
