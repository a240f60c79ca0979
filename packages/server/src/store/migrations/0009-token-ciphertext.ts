import type { Kysely } from "kysely";

// Retrievable token storage (issue 15): an app with `tokenStorage: "retrievable"` keeps each new token's plaintext
// encrypted (AES-256-GCM, domain/token-cipher.ts) so the REST API can answer it back, as CometChat does. Null for
// every token of a hashed app, which is every app by default.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema.alterTable("auth_tokens").addColumn("token_ciphertext", "text").execute();
}
