import { presentPagination, presentUser } from "../../domain/presenters.ts";
import { createUser, deleteUser, getActiveUser, listUsers, reactivateUser } from "../../domain/users.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { runImportCommand } from "../import-users.ts";
import { printRecord, printTable, UsageError } from "../output.ts";
import { selectApp } from "../select-app.ts";

export const SPEC: CommandSpec = {
	name: "users",
	summary: "Manage an app's users.",
	appScoped: true,
	actions: [
		{
			name: "create",
			arguments: [],
			summary: "Create a user.",
			options: {
				uid: {
					type: "string",
					value: "UID",
					required: true,
					description: "letters, numbers, dashes and underscores; stored lower-case",
				},
				name: { type: "string", value: "NAME", required: true, description: "the display name" },
				avatar: { type: "string", value: "URL", description: "a picture's URL" },
				link: { type: "string", value: "URL", description: "a profile URL" },
				role: { type: "string", value: "ROLE", description: "the role (default: default)" },
				metadata: { type: "string", value: "JSON", description: 'a JSON object, e.g. \'{"team":"blue"}\'' },
				tags: { type: "string", value: "a,b", description: "comma-separated tags" },
			},
		},
		{
			name: "list",
			arguments: [],
			summary: "List active users, by uid.",
			options: {
				search: { type: "string", value: "PREFIX", description: "only uids or names starting with PREFIX" },
				page: { type: "string", value: "N", description: "the page, from 1 (default: 1)" },
				"per-page": { type: "string", value: "N", description: "users per page, at most 1000 (default: 100)" },
			},
		},
		{ name: "get", arguments: ["UID"], summary: "Show one active user.", options: {} },
		{
			name: "delete",
			arguments: ["UID"],
			summary: "Deactivate a user (their tokens stop working), or remove them for good.",
			options: { permanent: { type: "boolean", description: "delete the user and their tokens for good" } },
		},
		{
			name: "reactivate",
			arguments: ["UID"],
			summary: "Reactivate a deactivated (soft-deleted) user.",
			options: {},
		},
		{
			name: "import",
			arguments: ["FILE"],
			summary: "Import users from an NDJSON or CSV file, in batches of one transaction each (docs/operations.md).",
			options: {
				format: {
					type: "string",
					value: "csv|ndjson",
					description: "the file's format (default: by extension, .csv or NDJSON)",
				},
				"dry-run": { type: "boolean", description: "validate and count what would happen; write nothing" },
				"on-existing": {
					type: "string",
					value: "update|skip",
					description: "a uid the app has already: update it from the row, or leave it (default: skip)",
				},
				"with-tokens": {
					type: "string",
					value: "FILE",
					description: 'mint a token per imported user into a new file (mode 0600), one {"uid","authToken"} a line',
				},
				"batch-size": { type: "string", value: "N", description: "rows per transaction, 1-10000 (default: 1000)" },
			},
		},
	],
};

function parseMetadata(value: string | undefined): unknown {
	if (value === undefined) return undefined;
	try {
		return JSON.parse(value);
	} catch {
		throw new UsageError("--metadata must be a JSON object", "latchkey users create --help");
	}
}

function parsePositive(name: string, value: string | undefined, fallback: number): number {
	if (value === undefined) return fallback;
	if (!/^\d+$/.test(value) || Number(value) < 1) {
		throw new UsageError(`--${name} must be a positive integer`, "latchkey users list --help");
	}
	return Number(value);
}

/** `latchkey users create|list|get|delete|reactivate|import`. */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	const { json } = invocation;
	const uid = invocation.positionals[0] ?? "";
	switch (invocation.action.name) {
		case "create": {
			const metadata = parseMetadata(invocation.string("metadata"));
			const deps = await context.openDomain();
			const app = await selectApp(deps, context, invocation.appId);
			const optional = {
				avatar: invocation.string("avatar"),
				link: invocation.string("link"),
				role: invocation.string("role"),
				metadata,
				tags: invocation.string("tags")?.split(",").filter(Boolean),
			};
			const { user } = await createUser(deps, app.id, {
				uid: invocation.string("uid"),
				name: invocation.string("name"),
				...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
			});
			printRecord(context, json, presentUser(user, { withTags: true }));
			return 0;
		}
		case "list": {
			const perPage = Math.min(parsePositive("per-page", invocation.string("per-page"), 100), 1000);
			const page = parsePositive("page", invocation.string("page"), 1);
			const search = invocation.string("search");
			const deps = await context.openDomain();
			const app = await selectApp(deps, context, invocation.appId);
			const result = await listUsers(deps, app.id, {
				limit: perPage,
				offset: (page - 1) * perPage,
				searchIn: ["uid", "name"],
				deactivated: "exclude",
				...(search && { searchKey: search }),
			});
			const pagination = presentPagination(result.total, result.items.length, perPage, page);
			printTable(
				context,
				json,
				result.items.map((user) => presentUser(user, { withTags: true })),
				["uid", "name", "role", "createdAt"],
				{ meta: { pagination } },
			);
			if (!json) context.stdout(`page ${page} of ${pagination.total_pages} (${result.total} users)`);
			return 0;
		}
		case "get": {
			const deps = await context.openDomain();
			const app = await selectApp(deps, context, invocation.appId);
			printRecord(context, json, presentUser(await getActiveUser(deps, app.id, uid), { withTags: true }));
			return 0;
		}
		case "delete": {
			const deps = await context.openDomain();
			const app = await selectApp(deps, context, invocation.appId);
			const permanent = invocation.flag("permanent");
			await deleteUser(deps, app.id, uid, { permanent });
			printRecord(context, json, { deleted: uid.toLowerCase(), permanent });
			return 0;
		}
		case "import":
			return await runImportCommand(invocation, context);
		default: {
			const deps = await context.openDomain();
			const app = await selectApp(deps, context, invocation.appId);
			printRecord(context, json, { reactivated: await reactivateUser(deps, app.id, uid) });
			return 0;
		}
	}
};
