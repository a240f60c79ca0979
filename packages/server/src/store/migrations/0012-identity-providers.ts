import type { Kysely } from "kysely";

// Trusted identity providers per app (issue 18). Placeholder reserved for that work; filled in by it before it ships.
export async function up(_db: Kysely<unknown>): Promise<void> {}
