import { parseArgs } from "node:util";
import { presentPagination, presentUser } from "../../domain/presenters.ts";
import { createUser, deleteUser, getActiveUser, listUsers, reactivateUser } from "../../domain/users.ts";
import type { Command } from "../context.ts";
import { printRecord, printTable, UsageError } from "../output.ts";
import { selectApp } from "../select-app.ts";

const USAGE = [
	"usage: latchkey users create --uid UID --name NAME [--avatar URL] [--link URL] [--role ROLE] [--metadata JSON] [--tags a,b]",
	"       latchkey users list [--search PREFIX] [--page N] [--per-page N]",
	"       latchkey users get UID",
	"       latchkey users delete UID [--permanent]",
	"       latchkey users reactivate UID",
	"       (all take [--app APP_ID] [--json])",
].join("\n");

function parseMetadata(value: string | undefined): unknown {
	if (value === undefined) return undefined;
	try {
		return JSON.parse(value);
	} catch {
		throw new UsageError("--metadata must be a JSON object");
	}
}

function parsePositive(name: string, value: string | undefined, fallback: number): number {
	if (value === undefined) return fallback;
	if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a positive integer`);
	return Number(value);
}

/** `latchkey users create|list|get|delete`. */
export const run: Command = async (args, context) => {
	const [action, ...rest] = args;
	const { values, positionals } = parseArgs({
		args: rest,
		options: {
			app: { type: "string" },
			uid: { type: "string" },
			name: { type: "string" },
			avatar: { type: "string" },
			link: { type: "string" },
			role: { type: "string" },
			metadata: { type: "string" },
			tags: { type: "string" },
			search: { type: "string" },
			page: { type: "string" },
			"per-page": { type: "string" },
			permanent: { type: "boolean" },
			json: { type: "boolean" },
		},
		allowPositionals: true,
		strict: true,
	});
	const json = values.json ?? false;
	const uid = positionals[0];
	if (action === "create" && values.uid && values.name && positionals.length === 0) {
		const metadata = parseMetadata(values.metadata);
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		const { user } = await createUser(deps, app.id, {
			uid: values.uid,
			name: values.name,
			...(values.avatar !== undefined && { avatar: values.avatar }),
			...(values.link !== undefined && { link: values.link }),
			...(values.role !== undefined && { role: values.role }),
			...(metadata !== undefined && { metadata }),
			...(values.tags !== undefined && { tags: values.tags.split(",").filter(Boolean) }),
		});
		printRecord(context, json, presentUser(user, { withTags: true }));
		return 0;
	}
	if (action === "list" && positionals.length === 0) {
		const perPage = Math.min(parsePositive("per-page", values["per-page"], 100), 1000);
		const page = parsePositive("page", values.page, 1);
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		const result = await listUsers(deps, app.id, {
			limit: perPage,
			offset: (page - 1) * perPage,
			searchIn: ["uid", "name"],
			deactivated: "exclude",
			...(values.search && { searchKey: values.search }),
		});
		const pagination = presentPagination(result.total, result.items.length, perPage, page);
		printTable(
			context,
			json,
			result.items.map((user) => presentUser(user, { withTags: true })),
			["uid", "name", "role", "createdAt"],
			{
				meta: { pagination },
			},
		);
		if (!json) context.stdout(`page ${page} of ${pagination.total_pages} (${result.total} users)`);
		return 0;
	}
	if (action === "get" && uid && positionals.length === 1) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		printRecord(context, json, presentUser(await getActiveUser(deps, app.id, uid), { withTags: true }));
		return 0;
	}
	if (action === "delete" && uid && positionals.length === 1) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		await deleteUser(deps, app.id, uid, { permanent: values.permanent ?? false });
		printRecord(context, json, { deleted: uid.toLowerCase(), permanent: values.permanent ?? false });
		return 0;
	}
	if (action === "reactivate" && uid && positionals.length === 1) {
		const deps = await context.openDomain();
		const app = await selectApp(deps, values.app);
		printRecord(context, json, { reactivated: await reactivateUser(deps, app.id, uid) });
		return 0;
	}
	throw new UsageError(USAGE);
};
