import { z } from "zod";
import type { UserImportEntry, UserPatch, UserRecord } from "../store/store.ts";
import { createAuthToken } from "./auth-tokens.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { DEFAULT_MAX_USERS_PER_APP } from "./quotas.ts";
import { createUserSchema, newUserRecord } from "./users.ts";
import { parseInput } from "./validation.ts";

/** CometChat's data import takes at most 50 users per request. */
export const MAX_USERS_PER_IMPORT_REQUEST = 50;

/** Audit rows per insert: an audit row binds about a dozen values, SQLite allows 32,766 per statement. */
const AUDIT_EVENTS_PER_WRITE = 500;

/** Latest time an import may name: the year 9999, in unix seconds. */
const MAX_UNIX_SECONDS = 253_402_300_799;

/** CometChat sends `createdAt` and `lastActiveAt` as unix seconds in a string ("1673421419"); a number is fine too. */
const unixSecondsSchema = z.union([
	z.number().int().min(0).max(MAX_UNIX_SECONDS),
	z
		.string()
		.regex(/^\d{1,12}$/, { message: "The time must be unix seconds." })
		.transform(Number)
		.pipe(z.number().max(MAX_UNIX_SECONDS)),
]);

/** One imported user: POST /v3/users's fields and rules (without `withAuthToken`), plus CometChat's two times. */
export const importUserSchema = createUserSchema.omit({ withAuthToken: true }).extend({
	createdAt: unixSecondsSchema.optional(),
	lastActiveAt: unixSecondsSchema.optional(),
});

/** One row to import: its input, or why it could not even be read; `label` names it in answers ("line 3", a key). */
export type ImportRow = { label: string; input: unknown } | { label: string; error: LatchkeyError };

export type ImportRowResult =
	| {
			label: string;
			/** `user` is what was stored for "created"; for "updated" and "skipped", the row as read. */
			outcome: "created" | "updated" | "skipped";
			uid: string;
			user: UserRecord;
			/** With `withTokens`: the minted token, or why none was (the user is imported either way). */
			authToken?: string;
			tokenError?: LatchkeyError;
	  }
	| { label: string; outcome: "rejected"; uid: string | null; error: LatchkeyError };

export interface ImportUsersOptions {
	/** A uid the app already has (a deactivated user's too): update its fields from the row, or leave it alone. */
	onExisting: "update" | "skip";
	/** Validate and work out every outcome, write nothing. */
	dryRun?: boolean;
	/** Mint one auth token for each user created or updated (never in a dry run). */
	withTokens?: boolean;
	/**
	 * The uids seen so far and the label of the row that brought each, so that a uid repeated in a later batch of
	 * the same file is reported as a repeat; absent: repeats are found within this batch only.
	 */
	seen?: Map<string, string>;
}

function quotaReached(cap: number): LatchkeyError {
	return new LatchkeyError(
		"ERR_PLAN_QUOTA_RESTRICTION",
		`The allowed limit of ${cap} users for this app has been reached.`,
	);
}

/** A row's fields as a user to insert and as the patch for an existing one (only the fields the row has). */
function toEntry(appId: string, parsed: z.output<typeof importUserSchema>, now: number): UserImportEntry {
	const user = newUserRecord(appId, parsed, {
		createdAt: parsed.createdAt === undefined ? now : parsed.createdAt * 1000,
		lastActiveAt: parsed.lastActiveAt === undefined ? null : parsed.lastActiveAt * 1000,
	});
	const { uid: _uid, createdAt: _createdAt, lastActiveAt: _lastActiveAt, ...fields } = parsed;
	const patch: UserPatch = { ...fields, updatedAt: now };
	return { user, patch };
}

/**
 * Imports one batch of users in one transaction: each row is validated like POST /v3/users, a uid repeated in
 * the input is refused after its first row, a new uid is created while the app's user quota has room, and a
 * taken one is updated or skipped. Publishes `user.created` / `user.updated` per user once the batch committed.
 * One result per row, in order. Expected failures are results, not throws.
 *
 * @example
 * const results = await importUserBatch(deps, appId, [{ label: "line 2", input: { uid: "ann", name: "Ann" } }], {
 *   onExisting: "skip",
 * });
 */
export async function importUserBatch(
	deps: DomainDeps,
	appId: string,
	rows: ImportRow[],
	options: ImportUsersOptions,
): Promise<ImportRowResult[]> {
	const now = deps.clock.now();
	const seen = options.seen ?? new Map<string, string>();
	const results: Array<ImportRowResult | null> = [];
	const entries: UserImportEntry[] = [];
	const entryRows: number[] = [];
	for (const row of rows) {
		if ("error" in row) {
			results.push({ label: row.label, outcome: "rejected", uid: null, error: row.error });
			continue;
		}
		let parsed: z.output<typeof importUserSchema>;
		try {
			parsed = parseInput(importUserSchema, row.input);
		} catch (error) {
			if (!(error instanceof LatchkeyError)) throw error;
			results.push({ label: row.label, outcome: "rejected", uid: readUid(row.input), error });
			continue;
		}
		const first = seen.get(parsed.uid);
		if (first !== undefined) {
			const error = new LatchkeyError(
				"ERR_UID_ALREADY_EXISTS",
				`The uid ${parsed.uid} appears more than once; only its first row (${first}) is imported.`,
			);
			results.push({ label: row.label, outcome: "rejected", uid: parsed.uid, error });
			continue;
		}
		seen.set(parsed.uid, row.label);
		entryRows.push(results.length);
		results.push(null);
		entries.push(toEntry(appId, parsed, now));
	}
	if (entries.length > 0) {
		const cap = deps.quotas?.maxUsersPerApp ?? DEFAULT_MAX_USERS_PER_APP;
		// Counted once per batch (bounded by the cap): the batch creates at most what is left.
		const maxNewUsers = Math.max(0, cap - (await deps.store.countUsers(appId, cap)));
		const outcomes = await deps.store.importUsers(appId, entries, {
			onExisting: options.onExisting,
			maxNewUsers,
			...(options.dryRun && { dryRun: true }),
		});
		for (const [index, entry] of entries.entries()) {
			const at = entryRows[index] as number;
			const label = (rows[at] as ImportRow).label;
			const outcome = outcomes[index];
			const uid = entry.user.uid;
			results[at] =
				outcome === "quota" || outcome === undefined
					? { label, outcome: "rejected", uid, error: quotaReached(cap) }
					: { label, outcome, uid, user: entry.user };
		}
	}
	const done = results as ImportRowResult[];
	if (options.dryRun) return done;
	const written = done.flatMap((result) =>
		result.outcome === "created" || result.outcome === "updated" ? [{ uid: result.uid, outcome: result.outcome }] : [],
	);
	// All at once, in order: the PostgreSQL bus then sends them in a few NOTIFYs instead of one round trip each.
	await Promise.all(
		written.map((result) => deps.events.publish({ type: `user.${result.outcome}`, appId, uid: result.uid })),
	);
	// A few audit writes per batch (queued right after its commit), not one per user; each at most
	// AUDIT_EVENTS_PER_WRITE rows, so that one insert stays within SQLite's limit of bound values.
	for (let start = 0; start < written.length && deps.audit; start += AUDIT_EVENTS_PER_WRITE) {
		await deps.audit.recordAll(
			written.slice(start, start + AUDIT_EVENTS_PER_WRITE).map((result) => ({
				type: `user.${result.outcome}` as const,
				appId,
				subject: result.uid,
				details: { uid: result.uid, method: "import" },
			})),
		);
	}
	if (options.withTokens) await mintTokens(deps, appId, done);
	return done;
}

/** One token per created or updated user, all requested at once so that SQLite's write queue commits them together. */
async function mintTokens(deps: DomainDeps, appId: string, results: ImportRowResult[]): Promise<void> {
	await Promise.all(
		results.map(async (result) => {
			if (result.outcome !== "created" && result.outcome !== "updated") return;
			try {
				result.authToken = (await createAuthToken(deps, appId, result.uid, {})).plaintext;
			} catch (error) {
				if (!(error instanceof LatchkeyError)) throw error;
				result.tokenError = error;
			}
		}),
	);
}

/** The uid a rejected row names, lower-cased, when it has a string one; for reports only. */
function readUid(input: unknown): string | null {
	const uid = input !== null && typeof input === "object" ? (input as { uid?: unknown }).uid : undefined;
	return typeof uid === "string" && uid.length > 0 ? uid.toLowerCase().slice(0, 100) : null;
}

const importRequestSchema = z.object({ users: z.record(z.string(), z.unknown()) });

function badUsers(message: string): LatchkeyError {
	return new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
		users: [message],
	});
}

/**
 * CometChat's `POST /v3/data_import/users`: `{"users": {"<uid>": {user}}}`, at most 50 users. Each key is its
 * user's uid (the `uid` field may be left out; when given it must be the key, in any case). A uid the app already
 * has is refused per user with ERR_UID_ALREADY_EXISTS, as POST /v3/users does. Results are keyed as the request.
 *
 * @example
 * const results = await importUsersRequest(deps, appId, { users: { ann: { name: "Ann" } } });
 */
export async function importUsersRequest(
	deps: DomainDeps,
	appId: string,
	input: unknown,
): Promise<Array<{ key: string; result: ImportRowResult }>> {
	parseInput(importRequestSchema, input);
	// The keys as sent: zod's copy of a record drops a "__proto__" key (it sets the copy's prototype instead), and
	// a user must never vanish from the answer unreported.
	const users = (input as { users: Record<string, unknown> }).users;
	const count = Object.keys(users).length;
	if (count < 1) throw badUsers("The users must have at least 1 item.");
	if (count > MAX_USERS_PER_IMPORT_REQUEST) {
		throw badUsers(`The users may not have more than ${MAX_USERS_PER_IMPORT_REQUEST} items.`);
	}
	const rows: ImportRow[] = Object.entries(users).map(([key, value]) => {
		if (value === null || typeof value !== "object" || Array.isArray(value)) return { label: key, input: value };
		const uid = (value as { uid?: unknown }).uid;
		if (uid === undefined) return { label: key, input: { ...value, uid: key } };
		if (typeof uid === "string" && uid.toLowerCase() !== key.toLowerCase()) {
			const error = new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
				uid: ["The uid must be the same as its key."],
			});
			return { label: key, error };
		}
		return { label: key, input: value };
	});
	const results = await importUserBatch(deps, appId, rows, { onExisting: "skip" });
	return results.map((result) => {
		if (result.outcome !== "skipped") return { key: result.label, result };
		const error = new LatchkeyError(
			"ERR_UID_ALREADY_EXISTS",
			`The uid ${result.uid} already exists. Please use another uid or try after permanently deleting the user.`,
		);
		return { key: result.label, result: { label: result.label, outcome: "rejected", uid: result.uid, error } };
	});
}
