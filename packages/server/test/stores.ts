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
	const store = new KyselyStore({ kind: "postgres", url, poolSize: 5, schema: schema.name });
	await schema.migrate(store);
	const close = store.close.bind(store);
	store.close = async () => {
		await close();
		await schema.drop();
	};
	return store;
}

// Kysely's migrator lists every table of the database, calling has_schema_privilege() on each schema it sees; a
// schema another test drops in between makes that call fail ("schema … does not exist"). Test schemas are
// therefore migrated under a shared advisory lock and dropped under the exclusive one.
const SCHEMA_LOCK_KEY = 7_340_118;

export interface TestSchema {
	name: string;
	/** Migrates `store` (on this schema) while no test schema is being dropped. */
	migrate(store: KyselyStore): Promise<void>;
	drop(): Promise<void>;
}

/** A fresh, empty schema of its own for one test store. */
export async function createTestSchema(url: string): Promise<TestSchema> {
	const name = `test_${randomBytes(6).toString("hex")}`;
	const withClient = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
		const client = new pg.Client({ connectionString: url });
		await client.connect();
		try {
			return await work(client);
		} finally {
			await client.end();
		}
	};
	await withClient((client) => client.query(`create schema ${name}`));
	return {
		name,
		migrate: (store) =>
			withClient(async (client) => {
				await client.query("select pg_advisory_lock_shared($1)", [SCHEMA_LOCK_KEY]);
				try {
					await store.migrate();
				} finally {
					await client.query("select pg_advisory_unlock_shared($1)", [SCHEMA_LOCK_KEY]);
				}
			}),
		drop: () =>
			withClient(async (client) => {
				await client.query("select pg_advisory_lock($1)", [SCHEMA_LOCK_KEY]);
				try {
					await client.query(`drop schema ${name} cascade`);
				} finally {
					await client.query("select pg_advisory_unlock($1)", [SCHEMA_LOCK_KEY]);
				}
			}),
	};
}
