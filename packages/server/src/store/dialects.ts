import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { Tables } from "./rows.ts";

export type StoreLocation =
	| { kind: "sqlite"; filename: string }
	| { kind: "postgres"; url: string; poolSize: number; schema?: string };

/** Opens a Kysely instance for either dialect; the only place that knows which driver is underneath. */
export function createDatabase(location: StoreLocation): Kysely<Tables> {
	if (location.kind === "sqlite") {
		const sqlite = new Database(location.filename);
		// WAL lets the CLI and the server share the file; the busy timeout makes a writer wait instead of failing.
		sqlite.pragma("journal_mode = WAL");
		sqlite.pragma("busy_timeout = 5000");
		sqlite.pragma("foreign_keys = ON");
		sqlite.pragma("synchronous = NORMAL");
		return new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
	}
	const pool = new pg.Pool({
		connectionString: location.url,
		max: location.poolSize,
		...(location.schema ? { options: `-c search_path=${location.schema}` } : {}),
	});
	return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

/** PostgreSQL answers bigint columns as strings; SQLite as numbers. */
export function toNumber(value: number | string | bigint): number {
	return typeof value === "number" ? value : Number(value);
}
