import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { DialectName } from "./dialects.ts";
import {
	operatorFromRow,
	operatorSessionFromRow,
	operatorSessionToRow,
	operatorToRow,
	setupTokenFromRow,
	setupTokenToRow,
	toNumber,
} from "./rows.ts";
import type {
	DashboardFlashRecord,
	OperatorInviteClaim,
	OperatorInviteRecord,
	OperatorRecord,
	OperatorRemoval,
	OperatorSessionRecord,
	OperatorSummary,
	SetupTokenRecord,
	SignInCount,
} from "./store.ts";
import type { OperatorInvitesTable, Tables } from "./tables.ts";
import { holdsNul } from "./text.ts";

// The dashboard's storage (issue 8): operators, their sessions, the one-time setup links, login failures.

/** Thrown by claimSetupToken to roll the caller's transaction back; the claim answers false. */
export class SetupClaimRefused extends Error {}

export async function countOperators(db: Kysely<Tables>): Promise<number> {
	const { count } = await db
		.selectFrom("operators")
		.select((eb) => eb.fn.countAll<number | string>().as("count"))
		.executeTakeFirstOrThrow();
	return toNumber(count);
}

/** False when the email is taken. */
export async function insertOperator(db: Kysely<Tables>, operator: OperatorRecord): Promise<boolean> {
	const result = await db
		.insertInto("operators")
		.values(operatorToRow(operator, null))
		.onConflict((oc) => oc.column("email_lower").doNothing())
		.executeTakeFirst();
	return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function getOperatorByEmail(db: Kysely<Tables>, emailLower: string): Promise<OperatorRecord | null> {
	if (holdsNul(emailLower)) return null;
	const row = await db.selectFrom("operators").selectAll().where("email_lower", "=", emailLower).executeTakeFirst();
	return row ? operatorFromRow(row) : null;
}

/** Stores a setup token and deletes the expired ones, atomically inside the caller's transaction. */
export async function insertSetupToken(trx: Transaction<Tables>, token: SetupTokenRecord): Promise<void> {
	await trx.deleteFrom("setup_tokens").where("expires_at", "<=", token.createdAt).execute();
	await trx.insertInto("setup_tokens").values(setupTokenToRow(token)).execute();
}

export async function getSetupToken(db: Kysely<Tables>, id: string): Promise<SetupTokenRecord | null> {
	if (holdsNul(id)) return null;
	const row = await db.selectFrom("setup_tokens").selectAll().where("id", "=", id).executeTakeFirst();
	return row ? setupTokenFromRow(row) : null;
}

/**
 * Inside the caller's transaction: takes every live setup token and creates `operator` as the first operator.
 * Throws SetupClaimRefused when the token is unknown, used or expired, so the caller rolls back.
 */
export async function claimSetupToken(
	trx: Transaction<Tables>,
	id: string,
	secretHash: string,
	now: number,
	operator: OperatorRecord,
): Promise<boolean> {
	// Every live token is taken in one DELETE … RETURNING: two claims (same link or two links) queue on
	// the same rows, so exactly one sees its token, without the deadlock of deleting them one by one.
	const taken = await trx
		.deleteFrom("setup_tokens")
		.where("expires_at", ">", now)
		.returning(["id", "secret_hash"])
		.execute();
	// A wrong or used token rolls back, so the live links of others survive a bad guess.
	if (!taken.some((row) => row.id === id && row.secret_hash === secretHash)) throw new SetupClaimRefused();
	const { count } = await trx
		.selectFrom("operators")
		.select((eb) => eb.fn.countAll<number | string>().as("count"))
		.executeTakeFirstOrThrow();
	if (toNumber(count) > 0) return false;
	// The unique setup_claim is a second guard: there is only ever one operator made by a link.
	const inserted = await trx
		.insertInto("operators")
		.values(operatorToRow(operator, 1))
		.onConflict((oc) => oc.column("setup_claim").doNothing())
		.executeTakeFirst();
	return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Stores a session and prunes old ones, atomically inside the caller's transaction. */
export async function insertOperatorSession(
	trx: Transaction<Tables>,
	session: OperatorSessionRecord,
	options: { pruneCreatedBefore: number },
): Promise<void> {
	await trx.deleteFrom("operator_sessions").where("created_at", "<", options.pruneCreatedBefore).execute();
	await trx.insertInto("operator_sessions").values(operatorSessionToRow(session)).execute();
}

export async function getOperatorSession(
	db: Kysely<Tables>,
	id: string,
): Promise<{ session: OperatorSessionRecord; operator: OperatorRecord } | null> {
	if (holdsNul(id)) return null;
	const row = await db
		.selectFrom("operator_sessions")
		.innerJoin("operators", "operators.id", "operator_sessions.operator_id")
		.select([
			"operator_sessions.id as session_id",
			"operator_sessions.secret_hash as session_secret_hash",
			"operator_sessions.created_at as session_created_at",
			"operator_sessions.last_seen_at as session_last_seen_at",
			"operators.id",
			"operators.email",
			"operators.email_lower",
			"operators.password_hash",
			"operators.setup_claim",
			"operators.created_at",
			"operators.name",
		])
		.where("operator_sessions.id", "=", id)
		.executeTakeFirst();
	if (!row) return null;
	const session = operatorSessionFromRow({
		id: row.session_id,
		operator_id: row.id,
		secret_hash: row.session_secret_hash,
		created_at: row.session_created_at,
		last_seen_at: row.session_last_seen_at,
	});
	return { session, operator: operatorFromRow(row) };
}

export async function touchOperatorSession(db: Kysely<Tables>, id: string, lastSeenAt: number): Promise<void> {
	if (holdsNul(id)) return;
	await db.updateTable("operator_sessions").set({ last_seen_at: lastSeenAt }).where("id", "=", id).execute();
}

export async function deleteOperatorSession(db: Kysely<Tables>, id: string): Promise<void> {
	if (holdsNul(id)) return;
	await db.deleteFrom("operator_sessions").where("id", "=", id).execute();
}

/** Stores a dashboard flash (issue 17) and deletes the expired ones, so the table holds minutes of rows at most. */
export async function insertDashboardFlash(db: Kysely<Tables>, flash: DashboardFlashRecord): Promise<void> {
	await db.deleteFrom("dashboard_flashes").where("expires_at", "<=", flash.createdAt).execute();
	await db
		.insertInto("dashboard_flashes")
		.values({
			id: flash.id,
			session_id: flash.sessionId,
			sealed: flash.sealed,
			created_at: flash.createdAt,
			expires_at: flash.expiresAt,
		})
		.execute();
}

/** DELETE … RETURNING: a flash is read once, by its own session, before it expires. */
export async function consumeDashboardFlash(
	db: Kysely<Tables>,
	id: string,
	sessionId: string,
	now: number,
): Promise<string | null> {
	if (holdsNul(id) || holdsNul(sessionId)) return null;
	const row = await db
		.deleteFrom("dashboard_flashes")
		.where("id", "=", id)
		.where("session_id", "=", sessionId)
		.where("expires_at", ">", now)
		.returning("sealed")
		.executeTakeFirst();
	return row?.sealed ?? null;
}

/** One statement, so concurrent sign-ins on any node each see a distinct count (no read-then-write race). */
export async function incrementSignInCounter(
	db: Kysely<Tables>,
	key: string,
	now: number,
	options: { windowMs: number },
): Promise<SignInCount> {
	const expired = now - options.windowMs;
	const row = await db
		.insertInto("sign_in_counters")
		.values({ key, count: 1, window_started_at: now })
		.onConflict((oc) =>
			oc.column("key").doUpdateSet((eb) => {
				const windowPassed = eb("sign_in_counters.window_started_at", "<=", expired);
				return {
					count: eb
						.case()
						.when(windowPassed)
						.then(eb.lit(1))
						.else(eb("sign_in_counters.count", "+", eb.lit(1)))
						.end(),
					window_started_at: eb
						.case()
						.when(windowPassed)
						.then(eb.ref("excluded.window_started_at"))
						.else(eb.ref("sign_in_counters.window_started_at"))
						.end(),
				};
			}),
		)
		.returning(["count", "window_started_at"])
		.executeTakeFirstOrThrow();
	return { count: toNumber(row.count), windowStartedAt: toNumber(row.window_started_at) };
}

export async function pruneSignInCounters(db: Kysely<Tables>, windowStartedBefore: number): Promise<void> {
	await db.deleteFrom("sign_in_counters").where("window_started_at", "<=", windowStartedBefore).execute();
}

export async function decrementSignInCounter(db: Kysely<Tables>, key: string): Promise<void> {
	await db
		.updateTable("sign_in_counters")
		.set((eb) => ({ count: eb("count", "-", eb.lit(1)) }))
		.where("key", "=", key)
		.where("count", ">", 0)
		.execute();
}

export async function deleteSignInCounter(db: Kysely<Tables>, key: string): Promise<void> {
	await db.deleteFrom("sign_in_counters").where("key", "=", key).execute();
}

// ---- Issue 17: the operator list, invites, removal, password changes ----

/** Thrown by claimOperatorInvite to roll the caller's transaction back. */
export class InviteClaimRefused extends Error {
	constructor(readonly outcome: Exclude<OperatorInviteClaim, "created">) {
		super(outcome);
	}
}

// Removals take this PostgreSQL advisory lock, so two at once cannot each see the other's operator and
// leave none. SQLite has one writer at a time already.
const OPERATORS_LOCK_KEY = 7_340_118;

function inviteFromRow(row: Selectable<OperatorInvitesTable>): OperatorInviteRecord {
	return {
		id: row.id,
		secretHash: row.secret_hash,
		email: row.email,
		emailLower: row.email_lower,
		invitedBy: row.invited_by,
		createdAt: toNumber(row.created_at),
		expiresAt: toNumber(row.expires_at),
	};
}

export async function listOperators(db: Kysely<Tables>): Promise<OperatorSummary[]> {
	const rows = await db
		.selectFrom("operators")
		.select(["id", "email", "name", "created_at"])
		.orderBy("created_at")
		.orderBy("id")
		.execute();
	return rows.map((row) => ({
		id: row.id,
		email: row.email,
		name: row.name ?? null,
		createdAt: toNumber(row.created_at),
	}));
}

/** Stores an invite and deletes the expired ones, atomically inside the caller's transaction. */
export async function insertOperatorInvite(trx: Transaction<Tables>, invite: OperatorInviteRecord): Promise<void> {
	await trx.deleteFrom("operator_invites").where("expires_at", "<=", invite.createdAt).execute();
	await trx
		.insertInto("operator_invites")
		.values({
			id: invite.id,
			secret_hash: invite.secretHash,
			email: invite.email,
			email_lower: invite.emailLower,
			invited_by: invite.invitedBy,
			created_at: invite.createdAt,
			expires_at: invite.expiresAt,
		})
		.execute();
}

export async function getOperatorInvite(db: Kysely<Tables>, id: string): Promise<OperatorInviteRecord | null> {
	if (holdsNul(id)) return null;
	const row = await db.selectFrom("operator_invites").selectAll().where("id", "=", id).executeTakeFirst();
	return row ? inviteFromRow(row) : null;
}

export async function listOperatorInvites(db: Kysely<Tables>, now: number): Promise<OperatorInviteRecord[]> {
	const rows = await db
		.selectFrom("operator_invites")
		.selectAll()
		.where("expires_at", ">", now)
		.orderBy("created_at", "desc")
		.orderBy("id")
		.execute();
	return rows.map(inviteFromRow);
}

export async function deleteOperatorInvite(db: Kysely<Tables>, id: string): Promise<boolean> {
	if (holdsNul(id)) return false;
	const result = await db.deleteFrom("operator_invites").where("id", "=", id).executeTakeFirst();
	return result.numDeletedRows > 0n;
}

/**
 * Inside the caller's transaction: takes the live invite and creates the operator. Throws InviteClaimRefused
 * (so the caller rolls back and the invite survives) when the invite is gone or the email is taken.
 */
export async function claimOperatorInvite(
	trx: Transaction<Tables>,
	id: string,
	secretHash: string,
	now: number,
	operator: OperatorRecord,
	options: { name: string | null },
): Promise<void> {
	// DELETE … RETURNING: of two racers with the same link, only one gets the row back.
	const taken = await trx
		.deleteFrom("operator_invites")
		.where("id", "=", id)
		.where("expires_at", ">", now)
		.returning(["secret_hash"])
		.executeTakeFirst();
	if (!taken || taken.secret_hash !== secretHash) throw new InviteClaimRefused("invalid");
	const inserted = await trx
		.insertInto("operators")
		.values({ ...operatorToRow(operator, null), name: options.name })
		.onConflict((oc) => oc.column("email_lower").doNothing())
		.executeTakeFirst();
	if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) throw new InviteClaimRefused("emailTaken");
}

/** Inside the caller's transaction: deletes the operator and their sessions unless none would be left. */
export async function deleteOperator(
	trx: Transaction<Tables>,
	dialect: DialectName,
	id: string,
): Promise<OperatorRemoval> {
	if (holdsNul(id)) return "notFound";
	if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${OPERATORS_LOCK_KEY})`.execute(trx);
	const rows = await trx.selectFrom("operators").select("id").execute();
	if (!rows.some((row) => row.id === id)) return "notFound";
	if (rows.length <= 1) return "last";
	await trx.deleteFrom("operator_sessions").where("operator_id", "=", id).execute();
	await trx.deleteFrom("operators").where("id", "=", id).execute();
	return "removed";
}

export async function updateOperatorPassword(
	trx: Transaction<Tables>,
	id: string,
	passwordHash: string,
	options: { keepSessionId?: string },
): Promise<boolean> {
	if (holdsNul(id)) return false;
	const result = await trx
		.updateTable("operators")
		.set({ password_hash: passwordHash })
		.where("id", "=", id)
		.executeTakeFirst();
	if (result.numUpdatedRows === 0n) return false;
	await deleteOperatorSessions(trx, id, { exceptSessionId: options.keepSessionId });
	return true;
}

export async function deleteOperatorSessions(
	db: Kysely<Tables>,
	operatorId: string,
	options: { exceptSessionId?: string | undefined },
): Promise<number> {
	if (holdsNul(operatorId)) return 0;
	let query = db.deleteFrom("operator_sessions").where("operator_id", "=", operatorId);
	if (options.exceptSessionId !== undefined) query = query.where("id", "<>", options.exceptSessionId);
	const result = await query.executeTakeFirst();
	return Number(result.numDeletedRows);
}
