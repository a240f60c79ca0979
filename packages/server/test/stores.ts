import { randomBytes } from "node:crypto";
import pg from "pg";
import { KyselyStore } from "../src/store/kysely-store.ts";

/** The dialects every conformance suite runs on: SQLite always, PostgreSQL when DATABASE_URL is set. */
export const DIALECTS: Array<"sqlite" | "postgres"> = process.env.DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];

/** A migrated store; on PostgreSQL each call gets its own schema so parallel files never collide. */
export async function openTestStore(dialect: "sqlite" | "postgres"): Promise<KyselyStore> {
	if (dialect === "sqlite") {
		const store = new KyselyStore({ kind: "sqlite", filename: ":memory:" });
		await store.migrate();
		return store;
	}
	const url = process.env.DATABASE_URL;
	if (!url) throw new Error("DATABASE_URL is required for the postgres dialect");
	const schema = await createTestSchema(url);
	const store = new KyselyStore({ kind: "postgres", url, poolSize: 5, schema });
	await migrateTestStore(store);
	const close = store.close.bind(store);
	store.close = async () => {
		await close();
		await dropTestSchema(url, schema);
	};
	return store;
}

/**
 * Migrates a test store. Kysely's migrator lists every table of the database and calls has_schema_privilege() on
 * each schema it sees, which fails ("schema test_… does not exist") when another test drops its schema at that
 * moment; that failure is retried (the migration is idempotent). Schemas left behind by a killed run are dropped
 * before and after each run (test/postgres-global-setup.ts).
 */
export async function migrateTestStore(store: KyselyStore): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await store.migrate();
		} catch (error) {
			const raced = error instanceof Error && /^schema "test_\w+" does not exist$/.test(error.message);
			if (!raced || attempt >= 10) throw error;
		}
	}
}

/** Drops a test schema; a second close of the same store finds it gone and is fine. */
export async function dropTestSchema(url: string, schema: string): Promise<void> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		await client.query(`drop schema if exists ${schema} cascade`);
	} finally {
		await client.end();
	}
}

/** A fresh, empty schema of its own for one test store. */
export async function createTestSchema(url: string): Promise<string> {
	// The creation time in the name lets a later run tell a schema a killed run left from one in use.
	const name = `test_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		await client.query(`create schema ${name}`);
	} finally {
		await client.end();
	}
	return name;
}

/** A database of its own on the server `baseURL` names (for real server processes), dropped by `drop()`. */
export async function createTestDatabase(
	baseURL: string,
	prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
	const name = `${prefix}_${randomBytes(5).toString("hex")}`;
	const admin = new pg.Client({ connectionString: baseURL });
	await admin.connect();
	await admin.query(`create database ${name}`);
	await admin.end();
	const dbURL = new URL(baseURL);
	dbURL.pathname = `/${name}`;
	return {
		url: dbURL.toString(),
		async drop() {
			const client = new pg.Client({ connectionString: baseURL });
			await client.connect();
			await client.query(`drop database if exists ${name} with (force)`);
			await client.end();
		},
	};
}
