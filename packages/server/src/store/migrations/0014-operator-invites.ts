import type { Kysely } from "kysely";

// Dashboard operator invites (issue 17). Placeholder reserved for that work; filled in by it before it ships.
export async function up(_db: Kysely<unknown>): Promise<void> {}
