import pg from "pg";

// PostgreSQL test schemas (test/stores.ts) left behind by a run that was killed are dropped before and after each
// run, once an hour old, so they never pile up: Kysely's migrator lists every table of the database on every migrate.

const STALE_AFTER_SECONDS = 3600;

async function dropTestSchemas(): Promise<void> {
	const url = process.env.DATABASE_URL;
	if (!url) return;
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		const { rows } = await client.query<{ nspname: string }>(
			"select nspname from pg_namespace where nspname ~ '^test_([0-9]+_[0-9a-f]{8}|[0-9a-f]{12})$'",
		);
		// Only schemas older than an hour: another test run may be using this database right now.
		const cutoff = Math.floor(Date.now() / 1000) - STALE_AFTER_SECONDS;
		for (const { nspname } of rows) {
			const created = Number(/^test_(\d+)_/.exec(nspname)?.[1] ?? 0);
			if (created < cutoff) await client.query(`drop schema if exists ${nspname} cascade`);
		}
	} finally {
		await client.end();
	}
}

export async function setup(): Promise<void> {
	await dropTestSchemas();
}

export async function teardown(): Promise<void> {
	await dropTestSchemas();
}
