import { existsSync } from "node:fs";
import path from "node:path";
import { BackupFileError, backupSQLiteDatabase } from "../../store/sqlite-backup.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { CLIError, printRecord } from "../output.ts";

export const SPEC: CommandSpec = {
	name: "backup",
	summary: "Copy the SQLite database to a file while the server runs (online backup).",
	appScoped: false,
	actions: [
		{
			name: "",
			arguments: ["FILE"],
			summary:
				"Copy the SQLite database (latchkey.db in the data dir) to FILE with SQLite's online backup, while the server keeps serving: the copy is one consistent snapshot holding every write acknowledged before it began. The file is checked before it is moved into place and is readable by its owner only (it holds key and token hashes and signing secrets). credentials.json and certificates are not in it. On PostgreSQL use pg_dump (docs/operations.md).",
			options: { force: { type: "boolean", description: "replace FILE if it exists" } },
		},
	],
};

/** Where the store keeps an SQLite database (open-store.ts). */
export const SQLITE_FILE = "latchkey.db";

/** The store's errors about a database file, in the CLI's shape. */
export function toCLIError(error: unknown): unknown {
	return error instanceof BackupFileError ? new CLIError(error.code, error.message) : error;
}

/** `latchkey backup FILE [--force]`. */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	if (context.config.databaseURL) {
		throw new CLIError(
			"ERR_NOT_SQLITE",
			"DATABASE_URL is set: back up PostgreSQL with pg_dump (docs/operations.md, Backup and restore). latchkey backup copies the SQLite database.",
		);
	}
	context.requireDataDir?.();
	const source = path.join(context.config.dataDir, SQLITE_FILE);
	if (!existsSync(source))
		throw new CLIError("ERR_DATABASE_NOT_FOUND", `${source} does not exist: nothing to back up.`);
	const file = path.resolve(context.cwd ?? ".", invocation.positionals[0] ?? "");
	if (!existsSync(path.dirname(file))) {
		throw new CLIError("ERR_BAD_REQUEST", `The directory ${path.dirname(file)} does not exist.`);
	}
	if (existsSync(file) && !invocation.flag("force")) {
		throw new CLIError("ERR_FILE_EXISTS", `${file} already exists: pass --force to replace it.`);
	}
	try {
		const { bytes, schema } = await backupSQLiteDatabase(source, file);
		const latest = schema.applied.at(-1) ?? "";
		if (invocation.json) printRecord(context, true, { file, bytes, schema: latest });
		else context.stdout(`Backed up ${source} to ${file} (${bytes} bytes, schema ${latest}).`);
		return 0;
	} catch (error) {
		throw toCLIError(error);
	}
};
