import { randomBytes } from "node:crypto";
import { AUTH_TOKEN_PREFIX } from "../packages/server/src/domain/auth-tokens.ts";
import { generateCredential } from "../packages/server/src/domain/secrets.ts";
import type { KyselyStore } from "../packages/server/src/store/kysely-store.ts";
import { authTokenToRow, userToRow } from "../packages/server/src/store/rows.ts";
import type { AuthTokenRecord, UserRecord } from "../packages/server/src/store/store.ts";

/** A token the bench will present: its owner and plaintext (`lkat_<id>.<secret>`). */
export interface SeededToken {
	uid: string;
	id: string;
	plaintext: string;
}

// Rows per INSERT stay well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const ROWS_PER_INSERT = 1_000;
const ROWS_PER_TRANSACTION = 50_000;
// Tokens nobody presents need only a well-formed hash; hashing a million secrets would only slow seeding.
const UNUSED_SECRET_HASH = "0".repeat(64);

function buildUser(appId: string, uid: string, createdAt: number): UserRecord {
	return {
		appId,
		uid,
		name: `Bench ${uid}`,
		avatar: null,
		link: null,
		role: "default",
		statusMessage: null,
		metadata: null,
		tags: [],
		isSample: false,
		createdAt,
		updatedAt: null,
		deactivatedAt: null,
		lastActiveAt: null,
	};
}

/** Builds and inserts rows one transaction at a time, so a million rows never sit in memory at once. */
async function insertInBatches<Row>(
	store: KyselyStore,
	count: number,
	buildRow: (index: number) => Row,
	insert: (trx: KyselyStore["db"], chunk: Row[]) => Promise<unknown>,
): Promise<void> {
	for (let start = 0; start < count; start += ROWS_PER_TRANSACTION) {
		const end = Math.min(count, start + ROWS_PER_TRANSACTION);
		await store.db.transaction().execute(async (trx) => {
			for (let offset = start; offset < end; offset += ROWS_PER_INSERT) {
				const chunk: Row[] = [];
				for (let index = offset; index < Math.min(end, offset + ROWS_PER_INSERT); index++) chunk.push(buildRow(index));
				await insert(trx, chunk);
			}
		});
	}
}

/** Inserts `count` users named `<prefix><n>` in bulk and returns their uids. */
export async function seedUsers(store: KyselyStore, appId: string, prefix: string, count: number): Promise<string[]> {
	const now = Date.now();
	const uids = Array.from({ length: count }, (_, index) => `${prefix}${index}`);
	await insertInBatches(
		store,
		count,
		(index) => userToRow(buildUser(appId, uids[index] ?? "", now)),
		(trx, chunk) => trx.insertInto("users").values(chunk).execute(),
	);
	return uids;
}

/**
 * Inserts `count` tokens spread round-robin over `uids`, straight through the store in big transactions.
 * The first `presented` of them get real secrets and are returned; the rest are filler.
 */
export async function seedTokens(
	store: KyselyStore,
	appId: string,
	uids: string[],
	count: number,
	options: { presented: number },
): Promise<SeededToken[]> {
	const now = Date.now();
	const presented: SeededToken[] = [];
	const buildRow = (index: number) => {
		const uid = uids[index % uids.length] ?? "";
		let id = AUTH_TOKEN_PREFIX + randomBytes(10).toString("hex");
		let secretHash = UNUSED_SECRET_HASH;
		if (index < options.presented) {
			const credential = generateCredential(AUTH_TOKEN_PREFIX);
			id = credential.id;
			secretHash = credential.secretHash;
			presented.push({ uid, id, plaintext: credential.plaintext });
		}
		const token: AuthTokenRecord = {
			id,
			appId,
			uid,
			secretHash,
			platform: "WEB",
			userAgent: null,
			deviceId: null,
			appInfo: null,
			createdAt: now - count + index,
			lastUsedAt: null,
		};
		return authTokenToRow(token);
	};
	await insertInBatches(store, count, buildRow, (trx, chunk) => trx.insertInto("auth_tokens").values(chunk).execute());
	return presented;
}
