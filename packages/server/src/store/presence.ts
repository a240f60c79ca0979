import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql, type Transaction } from "kysely";
import type { Tables } from "./tables.ts";
import { holdsNul } from "./text.ts";

/** Upserts the node's heartbeat; false when the node had no row (its first beat, or it was pruned as crashed). */
export async function beatPresenceNode(db: Kysely<Tables>, nodeId: string, now: number): Promise<boolean> {
	const updated = await db
		.updateTable("presence_nodes")
		.set({ heartbeat_at: now })
		.where("node_id", "=", nodeId)
		.executeTakeFirst();
	if (updated.numUpdatedRows > 0n) return true;
	await db
		.insertInto("presence_nodes")
		.values({ node_id: nodeId, heartbeat_at: now })
		.onConflict((oc) => oc.column("node_id").doUpdateSet({ heartbeat_at: now }))
		.execute();
	return false;
}

export async function insertPresence(
	db: Kysely<Tables>,
	appId: string,
	uid: string,
	nodeId: string,
	now: number,
): Promise<void> {
	await db
		.insertInto("presence")
		.values({ app_id: appId, uid, node_id: nodeId, connected_at: now })
		.onConflict((oc) => oc.columns(["app_id", "uid", "node_id"]).doNothing())
		.execute();
}

/** Deletes the row and records the user's last activity, atomically inside the caller's transaction. */
export async function deletePresence(
	trx: Transaction<Tables>,
	appId: string,
	uid: string,
	nodeId: string,
	now: number,
): Promise<void> {
	await trx
		.deleteFrom("presence")
		.where("app_id", "=", appId)
		.where("uid", "=", uid)
		.where("node_id", "=", nodeId)
		.execute();
	await setLastActiveAt(trx, appId, uid, now);
}

/** Sets `last_active_at` to `at` unless it is already later (another node may have recorded a later close). */
async function setLastActiveAt(trx: Transaction<Tables>, appId: string, uid: string, at: number): Promise<void> {
	await trx
		.updateTable("users")
		.set({ last_active_at: at })
		.where("app_id", "=", appId)
		.where("uid", "=", uid)
		.where((eb) => eb.or([eb("last_active_at", "is", null), eb("last_active_at", "<", at)]))
		.execute();
}

/** Deletes crashed nodes (and `nodeId` when given) with their rows; see Store.prunePresenceNodes. */
export async function prunePresenceNodes(
	trx: Transaction<Tables>,
	staleBefore: number,
	now: number,
	options: { nodeId?: string; sweepOrphans?: boolean },
): Promise<number> {
	const { nodeId } = options;
	const nodes = await trx
		.deleteFrom("presence_nodes")
		.where((eb) =>
			nodeId === undefined
				? eb("heartbeat_at", "<", staleBefore)
				: eb.or([eb("heartbeat_at", "<", staleBefore), eb("node_id", "=", nodeId)]),
		)
		.returning(["node_id", "heartbeat_at"])
		.execute();
	// Rows whose node has no row (it crashed before a heartbeat was written, or wrote rows after being pruned)
	// never count; sweeping them scans the whole table, so callers ask for it now and then, not on every beat.
	const orphans = options.sweepOrphans
		? await trx
				.selectFrom("presence")
				.select("node_id")
				.distinct()
				.where((eb) =>
					eb.not(
						eb.exists(
							eb
								.selectFrom("presence_nodes")
								.select("node_id")
								.whereRef("presence_nodes.node_id", "=", "presence.node_id"),
						),
					),
				)
				.execute()
		: [];
	const lastSeen = new Map<string, number>();
	for (const node of nodes) lastSeen.set(node.node_id, node.node_id === nodeId ? now : Number(node.heartbeat_at));
	for (const orphan of orphans) if (!lastSeen.has(orphan.node_id)) lastSeen.set(orphan.node_id, now);
	let removed = 0;
	for (const [id, at] of lastSeen) {
		const rows = await trx.deleteFrom("presence").where("node_id", "=", id).returning(["app_id", "uid"]).execute();
		for (const row of rows) await setLastActiveAt(trx, row.app_id, row.uid, at);
		removed += rows.length;
	}
	return removed;
}

/** The condition "this user is online", for users rows (a correlated EXISTS over the presence primary key). */
export function isOnline(eb: ExpressionBuilder<Tables, "users">, aliveSince: number): Expression<SqlBool> {
	return eb.exists(
		eb
			.selectFrom("presence")
			.innerJoin("presence_nodes", "presence_nodes.node_id", "presence.node_id")
			.select(sql`1`.as("one"))
			.whereRef("presence.app_id", "=", "users.app_id")
			.whereRef("presence.uid", "=", "users.uid")
			.where("presence_nodes.heartbeat_at", ">=", aliveSince),
	);
}

export async function listOnlineUids(
	db: Kysely<Tables>,
	appId: string,
	uids: string[],
	aliveSince: number,
): Promise<string[]> {
	if (uids.length === 0 || holdsNul(appId, ...uids)) return [];
	const rows = await db
		.selectFrom("presence")
		.innerJoin("presence_nodes", "presence_nodes.node_id", "presence.node_id")
		.select("presence.uid")
		.distinct()
		.where("presence.app_id", "=", appId)
		.where("presence.uid", "in", uids)
		.where("presence_nodes.heartbeat_at", ">=", aliveSince)
		.execute();
	return rows.map((row) => row.uid);
}
