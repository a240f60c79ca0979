import type { Kysely } from "kysely";

// Webhooks and their delivery outbox (issue 16). Placeholder reserved for that work; filled in by it before it ships.
export async function up(_db: Kysely<unknown>): Promise<void> {}
