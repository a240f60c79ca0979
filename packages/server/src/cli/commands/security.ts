import { getClientUserFields, setClientUserFields } from "../../domain/client-user-fields.ts";
import { securityOf, updateSecuritySettings } from "../../domain/security.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { printRecord, UsageError } from "../output.ts";
import { selectApp } from "../select-app.ts";

/** Each `security set` option and the setting it changes (docs/api.md "Security settings"). */
const SETTINGS = {
	"token-idle-timeout-seconds": "tokenIdleTimeoutSeconds",
	"token-max-lifetime-seconds": "tokenMaxLifetimeSeconds",
	"auth-key-login": "authKeyLogin",
	"auth-key-uid-allowlist": "authKeyUidAllowlist",
	"auth-key-origin-allowlist": "authKeyOriginAllowlist",
	"production-mode": "productionMode",
	"token-storage": "tokenStorage",
} as const;

type OptionName = keyof typeof SETTINGS;

export const SPEC: CommandSpec = {
	name: "security",
	summary: "Read and change an app's session controls (token expiry, Auth Key guardrails, production mode).",
	appScoped: true,
	actions: [
		{ name: "get", arguments: [], summary: "Show the app's security settings in force.", options: {} },
		{
			name: "set",
			arguments: [],
			summary: "Change the settings given; the others keep their values. Applies at once on every node.",
			options: {
				"token-idle-timeout-seconds": {
					type: "string",
					value: "SECONDS|never",
					description: "refuse a token unused this long (60 or more)",
				},
				"token-max-lifetime-seconds": {
					type: "string",
					value: "SECONDS|never",
					description: "refuse a token older than this (60 or more)",
				},
				"auth-key-login": {
					type: "string",
					value: "enabled|disabled|allowlist",
					description: "whether the Auth Key may log users in and create them",
				},
				"auth-key-uid-allowlist": {
					type: "string",
					value: "UID,UID",
					description: "under allowlist, the uids the Auth Key may log in ('' for none)",
				},
				"auth-key-origin-allowlist": {
					type: "string",
					value: "ORIGIN,ORIGIN",
					description: "under allowlist, the browser origins Auth Key logins may come from ('' for any)",
				},
				"production-mode": {
					type: "string",
					value: "true|false",
					description: "production mode (turns the Auth Key off unless --auth-key-login is set)",
				},
				"token-storage": { type: "string", value: "hashed|retrievable", description: "how tokens are stored" },
				"client-user-fields": {
					type: "string",
					value: "FIELD,FIELD|default",
					description: "the user fields logged-in clients may read (e.g. link,avatar,metadata); default: CometChat's",
				},
			},
		},
	],
};

/** A command-line value as the setting's JSON value; anything malformed goes through as text, for the 400. */
function settingValue(option: OptionName, text: string): unknown {
	switch (option) {
		case "token-idle-timeout-seconds":
		case "token-max-lifetime-seconds":
			if (text === "never") return null;
			return /^\d+$/.test(text) ? Number(text) : text;
		case "auth-key-uid-allowlist":
		case "auth-key-origin-allowlist":
			return text
				.split(",")
				.map((item) => item.trim())
				.filter((item) => item !== "");
		case "production-mode":
			return text === "true" ? true : text === "false" ? false : text;
		default:
			return text;
	}
}

/** `latchkey security get|set`. */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	const deps = await context.openDomain();
	const app = await selectApp(deps, context, invocation.appId);
	if (invocation.action.name === "get") {
		printRecord(context, invocation.json, {
			appId: app.id,
			...securityOf(app),
			clientUserFields: getClientUserFields(app),
		});
		return 0;
	}
	// Which user fields clients may read (issue 14) is the app's too; set through its own domain function.
	const fields = invocation.string("client-user-fields");
	let current = app;
	if (fields !== undefined) {
		const list = fields === "default" ? null : settingValue("auth-key-uid-allowlist", fields);
		current = await setClientUserFields(deps, app.id, { clientUserFields: list });
	}
	const changes: Record<string, unknown> = {};
	for (const option of Object.keys(SETTINGS) as OptionName[]) {
		const text = invocation.string(option);
		if (text !== undefined) changes[SETTINGS[option]] = settingValue(option, text);
	}
	if (Object.keys(changes).length === 0 && fields === undefined) {
		throw new UsageError("give at least one setting to change", "latchkey security set --help");
	}
	const settings =
		Object.keys(changes).length > 0 ? await updateSecuritySettings(deps, current, changes) : securityOf(current);
	printRecord(context, invocation.json, { appId: app.id, ...settings, clientUserFields: getClientUserFields(current) });
	return 0;
};
