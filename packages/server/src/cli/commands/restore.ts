import { existsSync } from "node:fs";
import path from "node:path";
import { getLatestSchema, isSQLiteDatabaseInUse, restoreSQLiteDatabase } from "../../store/sqlite-backup.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { CLIError, printRecord } from "../output.ts";
import { SQLITE_FILE, toCLIError } from "./backup.ts";

export const SPEC: CommandSpec = {
	name: "restore",
	summary: "Put a backup made by latchkey backup in place as the SQLite database (server stopped).",
	appScoped: false,
	actions: [
		{
			name: "",
			arguments: ["FILE"],
			summary:
				"Put a backup made by `latchkey backup` in place as the data dir's SQLite database, then bring its schema up to date. Refuses a file that is not an intact Latchkey database, a backup from a newer Latchkey (upgrade first), a database a running server has open (stop it first), and replacing an existing database without --force; a replaced database is kept beside it as latchkey.db.replaced-<time>. Creates the data dir when it does not exist. On PostgreSQL use pg_restore (docs/operations.md).",
			options: {
				force: { type: "boolean", description: "replace the existing database (kept as latchkey.db.replaced-<time>)" },
			},
		},
	],
};

/** `latchkey restore FILE [--force]`. */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	if (context.config.databaseURL) {
		throw new CLIError(
			"ERR_NOT_SQLITE",
			"DATABASE_URL is set: restore PostgreSQL with pg_restore (docs/operations.md, Backup and restore). latchkey restore replaces the SQLite database.",
		);
	}
	const file = path.resolve(context.cwd ?? ".", invocation.positionals[0] ?? "");
	if (!existsSync(file)) throw new CLIError("ERR_BACKUP_NOT_FOUND", `${file} does not exist.`);
	const target = path.join(context.config.dataDir, SQLITE_FILE);
	if (existsSync(target) && !invocation.flag("force")) {
		throw new CLIError(
			"ERR_FILE_EXISTS",
			`${target} already exists: pass --force to replace it (it is kept beside it as ${SQLITE_FILE}.replaced-<time>).`,
		);
	}
	if (isSQLiteDatabaseInUse(target)) {
		throw new CLIError(
			"ERR_DATABASE_IN_USE",
			`${target} is open in another process (a running server?): stop it, then restore.`,
		);
	}
	try {
		const { schema, replaced } = await restoreSQLiteDatabase(file, target, { now: new Date() });
		// An older backup is brought up to date now rather than at the server's next start.
		await context.openDomain();
		const from = schema.applied.at(-1) ?? "";
		const to = getLatestSchema();
		if (invocation.json) {
			printRecord(context, true, { restored: file, database: target, schema: { backup: from, now: to }, replaced });
		} else {
			context.stdout(`Restored ${file} into ${target} (schema ${from}${from === to ? "" : `, migrated to ${to}`}).`);
			if (replaced) context.stdout(`The database it replaced is kept as ${replaced}.`);
		}
		return 0;
	} catch (error) {
		throw toCLIError(error);
	}
};
