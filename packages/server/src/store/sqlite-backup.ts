import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations/index.ts";

/** What a database file holds: the migrations applied to it, and those this build does not know (a newer schema). */
export interface SchemaVersion {
	/** Applied migration names, in order; the last one names the schema. */
	applied: string[];
	/** Applied migrations this build does not have: the file comes from a newer Latchkey. */
	unknown: string[];
}

/** The newest migration this build knows: the schema it runs. */
export function getLatestSchema(): string {
	return Object.keys(MIGRATIONS).sort().at(-1) ?? "";
}

/**
 * Why a file cannot be used as a Latchkey database: not SQLite, damaged, or without Latchkey's migration table.
 * The CLI turns it into `error: CODE: message`.
 */
export class BackupFileError extends Error {
	constructor(
		readonly code: "ERR_BACKUP_INVALID" | "ERR_BACKUP_NEWER_SCHEMA",
		message: string,
	) {
		super(message);
		this.name = "BackupFileError";
	}
}

/** Checks a (closed, not in use) database file: SQLite, intact, a Latchkey schema. Throws BackupFileError. */
export function inspectSQLiteFile(file: string): SchemaVersion {
	let db: Database.Database;
	try {
		db = new Database(file, { readonly: true, fileMustExist: true });
	} catch (error) {
		throw new BackupFileError("ERR_BACKUP_INVALID", `${file} cannot be opened: ${describe(error)}.`);
	}
	try {
		let check: unknown;
		try {
			check = db.pragma("quick_check", { simple: true });
		} catch (error) {
			throw new BackupFileError("ERR_BACKUP_INVALID", `${file} is not an SQLite database (${describe(error)}).`);
		}
		if (check !== "ok") throw new BackupFileError("ERR_BACKUP_INVALID", `${file} is damaged: ${String(check)}.`);
		const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'").get();
		if (!table) {
			throw new BackupFileError("ERR_BACKUP_INVALID", `${file} is not a Latchkey database (it has no migrations).`);
		}
		const rows = db.prepare("SELECT name FROM kysely_migration ORDER BY name").all() as Array<{ name: string }>;
		const applied = rows.map((row) => row.name);
		return { applied, unknown: applied.filter((name) => !(name in MIGRATIONS)) };
	} finally {
		db.close();
	}
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message.replace(/\.$/, "") : String(error);
}

/** Creates an empty file only the owner may read: backups hold key and token hashes and signing secrets. */
function createPrivateFile(file: string): void {
	closeSync(openSync(file, "wx", 0o600));
}

// One step copies every page: the copy is then made inside one read transaction, a consistent snapshot that
// includes every commit made before it began. Smaller steps would let the server's writes between steps restart
// the copy, without end under a steady write load.
const ALL_PAGES = 0x7fffffff;

/**
 * Copies a live SQLite database (the server may keep writing: WAL readers do not block it) to `destination` with
 * SQLite's online backup, checks the copy, and only then moves it into place. The copy is 0600.
 */
export async function backupSQLiteDatabase(
	source: string,
	destination: string,
): Promise<{ bytes: number; schema: SchemaVersion }> {
	const scratch = path.join(path.dirname(destination), `.${path.basename(destination)}.${process.pid}.partial`);
	rmSync(scratch, { force: true });
	createPrivateFile(scratch);
	try {
		const db = new Database(source, { readonly: true, fileMustExist: true });
		try {
			db.pragma("busy_timeout = 5000");
			await db.backup(scratch, { progress: () => ALL_PAGES });
		} finally {
			db.close();
		}
		// The copy inherits WAL mode; as a rollback-journal file it is one self-contained file, and opening it
		// read-only (to check it, to restore it) leaves no -wal and -shm beside it.
		const copy = new Database(scratch, { fileMustExist: true });
		try {
			copy.pragma("journal_mode = DELETE");
		} finally {
			copy.close();
		}
		const schema = inspectSQLiteFile(scratch);
		renameSync(scratch, destination);
		return { bytes: statSync(destination).size, schema };
	} finally {
		for (const file of databaseFiles(scratch)) rmSync(file, { force: true });
	}
}

/** The three files of a database in WAL mode. */
function databaseFiles(file: string): string[] {
	return [file, `${file}-wal`, `${file}-shm`];
}

/**
 * Puts a backup in place as `target` (the server must be stopped). Refuses a file that is not an intact Latchkey
 * database or that comes from a newer schema; an older one is migrated when the store next opens. Creates the
 * target's directory when it does not exist. An existing
 * database is moved aside (with its -wal and -shm, so nothing in them is lost) as `<target>.replaced-<time>`.
 */
export async function restoreSQLiteDatabase(
	backup: string,
	target: string,
	options: { now: Date },
): Promise<{ schema: SchemaVersion; replaced: string | null }> {
	const schema = inspectSQLiteFile(backup);
	if (schema.unknown.length > 0) {
		throw new BackupFileError(
			"ERR_BACKUP_NEWER_SCHEMA",
			`${backup} comes from a newer Latchkey (schema ${schema.applied.at(-1)}; this one knows up to ${getLatestSchema()}): upgrade Latchkey, then restore.`,
		);
	}
	// The data dir is made only now, so a refused backup leaves no trace.
	mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
	const scratch = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.restoring`);
	rmSync(scratch, { force: true });
	createPrivateFile(scratch);
	try {
		// Copied with SQLite's backup, not the file system: the copy keeps the 0600 mode it was created with.
		const db = new Database(backup, { readonly: true, fileMustExist: true });
		try {
			await db.backup(scratch, { progress: () => ALL_PAGES });
		} finally {
			db.close();
		}
		let replaced: string | null = null;
		if (existsSync(target)) {
			replaced = `${target}.replaced-${options.now.toISOString().replace(/[:.]/g, "-")}`;
			const aside = databaseFiles(replaced);
			databaseFiles(target).forEach((file, i) => {
				if (existsSync(file)) renameSync(file, aside[i] ?? "");
			});
		}
		// A -wal left beside the target would be replayed into the restored file; none is (moved aside above).
		for (const file of databaseFiles(target).slice(1)) rmSync(file, { force: true });
		renameSync(scratch, target);
		return { schema, replaced };
	} finally {
		for (const file of databaseFiles(scratch)) rmSync(file, { force: true });
	}
}

/**
 * Whether another connection (a running server, a CLI command) has the database open. Taking SQLite's exclusive
 * lock fails while any other connection holds the file in WAL mode, even an idle one, so this is exact at the
 * moment it is asked. No data changes (a successful probe may checkpoint the WAL into the file).
 */
export function isSQLiteDatabaseInUse(file: string): boolean {
	if (!existsSync(file)) return false;
	const db = new Database(file, { fileMustExist: true });
	try {
		db.pragma("busy_timeout = 0");
		db.pragma("locking_mode = EXCLUSIVE");
		db.exec("BEGIN EXCLUSIVE");
		db.exec("COMMIT");
		return false;
	} catch (error) {
		if (error instanceof Error && "code" in error && String(error.code).startsWith("SQLITE_BUSY")) return true;
		throw error;
	} finally {
		db.close();
	}
}
