import { closeSync, fchmodSync, fstatSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import {
	CompiledQuery,
	type DatabaseConnection,
	type Driver,
	Kysely,
	PostgresDialect,
	SqliteDialect,
	type SqliteDialectConfig,
	SqliteDriver,
} from "kysely";
import pg from "pg";
import type { Tables } from "./tables.ts";

export type StoreLocation =
	| {
			kind: "sqlite";
			filename: string;
			/**
			 * "full" (the default) syncs the WAL at every commit: an acknowledged write survives power loss.
			 * "normal" syncs only at checkpoints: it survives a crash of the process, not of the machine.
			 */
			synchronous?: "full" | "normal";
	  }
	| { kind: "postgres"; url: string; poolSize: number; schema?: string };

export type DialectName = StoreLocation["kind"];

/** Opens a Kysely instance for either dialect; the only place that knows which driver is underneath. */
export function createDatabase(location: StoreLocation): Kysely<Tables> {
	if (location.kind === "sqlite") {
		createPrivateFile(location.filename);
		const sqlite = new Database(location.filename);
		// WAL lets the CLI and the server share the file; the busy timeout makes a writer wait instead of failing.
		sqlite.pragma("journal_mode = WAL");
		sqlite.pragma("busy_timeout = 5000");
		sqlite.pragma("foreign_keys = ON");
		// Group commit (write-queue.ts) shares one fsync among a tick's writes, which makes FULL affordable.
		sqlite.pragma(`synchronous = ${location.synchronous === "normal" ? "NORMAL" : "FULL"}`);
		// The default 2 MB page cache is far below a million-token database; 64 MB keeps the token index hot.
		sqlite.pragma("cache_size = -65536");
		return new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
	}
	const pool = new pg.Pool({
		connectionString: location.url,
		max: location.poolSize,
		...(location.schema ? { options: `-c search_path=${location.schema}` } : {}),
	});
	// PostgreSQL may end a pooled connection (restart, failover, idle timeout, pg_terminate_backend); pg then emits
	// `error` on the client, and an `error` nobody listens to ends the process. The pool listens only while a
	// client is idle, so each client gets its own listener for the time it is checked out: the work running on it
	// fails with the error, the pool drops the client when it is released, and the next query gets a new one.
	pool.on("error", () => {});
	pool.on("connect", (client) => {
		client.on("error", () => {});
	});
	const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
	POOLS.set(db, pool);
	return db;
}

// The pool behind each PostgreSQL database, for the metrics (connections in use, queries waiting).
const POOLS = new WeakMap<Kysely<Tables>, pg.Pool>();

/** The PostgreSQL pool's connections of a database made here; null for SQLite. */
export function poolUse(db: Kysely<Tables>): { total: number; idle: number; waiting: number } | null {
	const pool = POOLS.get(db);
	return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null;
}

/**
 * The database holds key and token hashes, the JWT signing secrets and operator password hashes: only the
 * server's user may read it. SQLite would create it 0644 (under the umask); it is created 0600 here before SQLite
 * opens it, and a file an older version created is narrowed to 0600. SQLite creates the -wal and -shm files with
 * the database file's mode, so they are 0600 too.
 */
function createPrivateFile(filename: string): void {
	if (filename === "" || filename === ":memory:" || filename.startsWith("file:")) return;
	const fd = openSync(filename, "a", 0o600);
	try {
		if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
	} finally {
		closeSync(fd);
	}
}

// Distinct SQL texts are few (one per query shape), so this bound is never reached in practice.
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing is a fifth of the CPU of an authenticated request. Statements
 * are reused per SQL text instead (safe: better-sqlite3 runs each one synchronously to completion).
 */
function withStatementCache(sqlite: Database.Database): {
	close(): void;
	prepare(sql: string): Database.Statement;
} {
	const statements = new Map<string, Database.Statement>();
	return {
		close: () => sqlite.close(),
		prepare(sql: string): Database.Statement {
			let statement = statements.get(sql);
			if (!statement) {
				if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
				statement = sqlite.prepare(sql);
				statements.set(sql, statement);
			}
			return statement;
		},
	};
}

/**
 * Transactions that take the write lock at BEGIN. A plain (deferred) BEGIN that reads first and writes later
 * fails at once with SQLITE_BUSY when another process (the CLI) wrote in between; BEGIN IMMEDIATE waits for the
 * lock under busy_timeout instead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
	private readonly config: SqliteDialectConfig;

	constructor(config: SqliteDialectConfig) {
		super(config);
		this.config = config;
	}

	override createDriver(): Driver {
		return new ImmediateSqliteDriver(this.config);
	}
}

class ImmediateSqliteDriver extends SqliteDriver {
	override async beginTransaction(connection: DatabaseConnection): Promise<void> {
		await connection.executeQuery(CompiledQuery.raw("begin immediate"));
	}
}
