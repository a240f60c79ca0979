import path from "node:path";
import type { Config } from "./config.ts";
import { KyselyStore } from "./store/kysely-store.ts";

/** The store a Config names: PostgreSQL when DATABASE_URL is set, else SQLite in the data dir. Migrated. */
export async function openStore(config: Readonly<Config>): Promise<KyselyStore> {
	const store = config.databaseURL
		? new KyselyStore({ kind: "postgres", url: config.databaseURL, poolSize: config.databasePoolSize })
		: new KyselyStore({
				kind: "sqlite",
				filename: path.join(config.dataDir, "latchkey.db"),
				synchronous: config.sqliteSynchronous,
			});
	await store.migrate();
	return store;
}
