import { createAuthToken, deleteAuthToken, flushAuthTokens, listAuthTokens } from "../../domain/auth-tokens.ts";
import { presentAuthToken } from "../../domain/presenters.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { printRecord, printTable } from "../output.ts";
import { selectApp } from "../select-app.ts";

export const SPEC: CommandSpec = {
	name: "tokens",
	summary: "Manage users' auth tokens (what login(authToken) takes).",
	appScoped: true,
	actions: [
		{
			name: "create",
			arguments: ["UID"],
			summary: "Mint an auth token for a user; its value is shown once.",
			options: { platform: { type: "string", value: "PLATFORM", description: "the device's platform, e.g. WEB" } },
		},
		{ name: "list", arguments: ["UID"], summary: "List a user's tokens (values masked).", options: {} },
		{
			name: "delete",
			arguments: ["UID", "TOKEN_ID"],
			summary: "Revoke one token (by id or full value); its sockets close.",
			options: {},
		},
		{ name: "flush", arguments: ["UID"], summary: "Revoke every token of a user; their sockets close.", options: {} },
	],
};

/** `latchkey tokens create|list|delete|flush`. */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	const { json } = invocation;
	const [uid = "", reference = ""] = invocation.positionals;
	const deps = await context.openDomain();
	const app = await selectApp(deps, context, invocation.appId);
	switch (invocation.action.name) {
		case "create": {
			const platform = invocation.string("platform");
			const { token, plaintext } = await createAuthToken(deps, app.id, uid, {
				...(platform !== undefined && { platform }),
			});
			printRecord(context, json, presentAuthToken(token, plaintext));
			if (!json) context.stdout("The token is shown once; keep it.");
			return 0;
		}
		case "list": {
			const page = await listAuthTokens(deps, app.id, uid, { limit: 100, offset: 0 });
			printTable(
				context,
				json,
				page.items.map((token) => presentAuthToken(token)),
				["id", "platform", "createdAt", "lastUsedAt"],
			);
			return 0;
		}
		case "delete": {
			const token = await deleteAuthToken(deps, app.id, uid, reference);
			printRecord(context, json, { deleted: token.id });
			return 0;
		}
		default:
			printRecord(context, json, { flushed: await flushAuthTokens(deps, app.id, uid), uid: uid.toLowerCase() });
			return 0;
	}
};
