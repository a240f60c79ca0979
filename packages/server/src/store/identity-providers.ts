import type { Kysely, Selectable, Transaction } from "kysely";
import { toNumber } from "./rows.ts";
import type { IdentityProviderRecord, IdentitySubjectLink, UidMapping } from "./store.ts";
import type { IdentityProvidersTable, Tables } from "./tables.ts";
import { holdsNul } from "./text.ts";

// Rows <-> records for the two tables of migration 0012 (kept here rather than in rows.ts: only this module reads them).

function providerFromRow(row: Selectable<IdentityProvidersTable>): IdentityProviderRecord {
	return {
		id: row.id,
		appId: row.app_id,
		issuer: row.issuer,
		jwksUri: row.jwks_uri,
		jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as IdentityProviderRecord["jwks"]),
		audiences: JSON.parse(row.audiences) as string[],
		algorithms: JSON.parse(row.algorithms) as string[],
		uidClaim: row.uid_claim,
		nameClaim: row.name_claim,
		avatarClaim: row.avatar_claim,
		clockSkewSeconds: row.clock_skew_seconds,
		createUsers: row.create_users === 1,
		uidPrefix: row.uid_prefix,
		uidMapping: row.uid_mapping as UidMapping,
		createdAt: toNumber(row.created_at),
		updatedAt: row.updated_at === null ? null : toNumber(row.updated_at),
	};
}

function providerToRow(provider: IdentityProviderRecord): IdentityProvidersTable {
	return {
		id: provider.id,
		app_id: provider.appId,
		issuer: provider.issuer,
		jwks_uri: provider.jwksUri,
		jwks: provider.jwks === null ? null : JSON.stringify(provider.jwks),
		audiences: JSON.stringify(provider.audiences),
		algorithms: JSON.stringify(provider.algorithms),
		uid_claim: provider.uidClaim,
		name_claim: provider.nameClaim,
		avatar_claim: provider.avatarClaim,
		clock_skew_seconds: provider.clockSkewSeconds,
		create_users: provider.createUsers ? 1 : 0,
		uid_prefix: provider.uidPrefix,
		uid_mapping: provider.uidMapping,
		created_at: provider.createdAt,
		updated_at: provider.updatedAt,
	};
}

/** Whether another provider of the app has this issuer. */
async function issuerTaken(trx: Transaction<Tables>, provider: IdentityProviderRecord): Promise<boolean> {
	const row = await trx
		.selectFrom("identity_providers")
		.select("id")
		.where("app_id", "=", provider.appId)
		.where("issuer", "=", provider.issuer)
		.where("id", "<>", provider.id)
		.executeTakeFirst();
	return row !== undefined;
}

export async function insertIdentityProvider(
	trx: Transaction<Tables>,
	provider: IdentityProviderRecord,
	options: { maxPerApp: number },
): Promise<"inserted" | "issuerTaken" | "quota"> {
	// Touching the app row first serialises provider writes per app on both dialects, so the issuer stays unique
	// and the cap holds when two nodes create providers at once (the unique index backs the issuer up).
	await trx.updateTable("apps").set({ id: provider.appId }).where("id", "=", provider.appId).execute();
	if (await issuerTaken(trx, provider)) return "issuerTaken";
	const { count } = await trx
		.selectFrom("identity_providers")
		.select((eb) => eb.fn.countAll<number | string>().as("count"))
		.where("app_id", "=", provider.appId)
		.executeTakeFirstOrThrow();
	if (toNumber(count) >= options.maxPerApp) return "quota";
	await trx.insertInto("identity_providers").values(providerToRow(provider)).execute();
	return "inserted";
}

export async function listIdentityProviders(db: Kysely<Tables>, appId: string): Promise<IdentityProviderRecord[]> {
	if (holdsNul(appId)) return [];
	const rows = await db
		.selectFrom("identity_providers")
		.selectAll()
		.where("app_id", "=", appId)
		.orderBy("created_at")
		.orderBy("id")
		.execute();
	return rows.map(providerFromRow);
}

export async function getIdentityProvider(
	db: Kysely<Tables>,
	appId: string,
	id: string,
): Promise<IdentityProviderRecord | null> {
	if (holdsNul(appId, id)) return null;
	const row = await db
		.selectFrom("identity_providers")
		.selectAll()
		.where("app_id", "=", appId)
		.where("id", "=", id)
		.executeTakeFirst();
	return row ? providerFromRow(row) : null;
}

export async function findIdentityProviderByIssuer(
	db: Kysely<Tables>,
	appId: string,
	issuer: string,
): Promise<IdentityProviderRecord | null> {
	if (holdsNul(appId, issuer)) return null;
	const row = await db
		.selectFrom("identity_providers")
		.selectAll()
		.where("app_id", "=", appId)
		.where("issuer", "=", issuer)
		.executeTakeFirst();
	return row ? providerFromRow(row) : null;
}

export async function updateIdentityProvider(
	trx: Transaction<Tables>,
	provider: IdentityProviderRecord,
): Promise<"updated" | "issuerTaken" | null> {
	await trx.updateTable("apps").set({ id: provider.appId }).where("id", "=", provider.appId).execute();
	if (await issuerTaken(trx, provider)) return "issuerTaken";
	const { id, app_id, created_at, ...fields } = providerToRow(provider);
	const result = await trx
		.updateTable("identity_providers")
		.set(fields)
		.where("app_id", "=", app_id)
		.where("id", "=", id)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n ? "updated" : null;
}

export async function deleteIdentityProvider(trx: Transaction<Tables>, appId: string, id: string): Promise<boolean> {
	if (holdsNul(appId, id)) return false;
	// The links first: not every SQLite connection is guaranteed to enforce the cascade.
	await trx.deleteFrom("identity_subjects").where("provider_id", "=", id).where("app_id", "=", appId).execute();
	const result = await trx
		.deleteFrom("identity_providers")
		.where("app_id", "=", appId)
		.where("id", "=", id)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

export async function getIdentitySubjectUid(
	db: Kysely<Tables>,
	providerId: string,
	subject: string,
): Promise<string | null> {
	if (holdsNul(providerId, subject)) return null;
	const row = await db
		.selectFrom("identity_subjects")
		.select("uid")
		.where("provider_id", "=", providerId)
		.where("subject", "=", subject)
		.executeTakeFirst();
	return row?.uid ?? null;
}

export async function linkIdentitySubject(
	trx: Transaction<Tables>,
	link: IdentitySubjectLink,
): Promise<{ providerId: string; subject: string }> {
	// A conflict on either unique key (this subject linked already, or this uid held by another subject) inserts
	// nothing; the row that holds the uid afterwards tells the caller which one it was.
	await trx
		.insertInto("identity_subjects")
		.values({
			provider_id: link.providerId,
			subject: link.subject,
			app_id: link.appId,
			uid: link.uid,
			created_at: link.createdAt,
		})
		.onConflict((oc) => oc.doNothing())
		.execute();
	const holder = await trx
		.selectFrom("identity_subjects")
		.select(["provider_id", "subject"])
		.where("app_id", "=", link.appId)
		.where("uid", "=", link.uid)
		.executeTakeFirst();
	// No holder: the subject is linked to another uid already, which the caller should have used; refused as taken.
	return holder ? { providerId: holder.provider_id, subject: holder.subject } : { providerId: "", subject: "" };
}
