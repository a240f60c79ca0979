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
	const schema = `test_${randomBytes(6).toString("hex")}`;
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	await client.query(`create schema ${schema}`);
	await client.end();
	const store = new KyselyStore({ kind: "postgres", url, poolSize: 5, schema });
	await store.migrate();
	const close = store.close.bind(store);
	store.close = async () => {
		await close();
		const cleanup = new pg.Client({ connectionString: url });
		await cleanup.connect();
		await cleanup.query(`drop schema ${schema} cascade`);
		await cleanup.end();
	};
	return store;
}
