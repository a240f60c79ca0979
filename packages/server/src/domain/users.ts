import { z } from "zod";
import { recordTokenRevocations } from "../audit/token-events.ts";
import type { Page, UserQuery, UserRecord } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError, uidNotFound } from "./errors.ts";
import { getPresence, type PresenceStatus, presenceAliveSince, type UsersWithPresence } from "./presence.ts";
import { assertUserQuota } from "./quotas.ts";
import { parseInput } from "./validation.ts";

export const DEFAULT_ROLE = "default";

const UID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** CometChat's uid rule: alpha-dash, at most 100 characters, stored lower-case. */
export const uidSchema = z
	.string()
	.min(1)
	.max(100)
	.regex(UID_PATTERN, { message: "The uid may only contain letters, numbers, dashes and underscores." })
	.transform((uid) => uid.toLowerCase());

const nameSchema = z.string().trim().min(1).max(100);
const urlSchema = z.string().max(3000);
const roleSchema = z
	.string()
	.min(1)
	.max(100)
	.regex(UID_PATTERN, { message: "The role may only contain letters, numbers, dashes and underscores." })
	.transform((role) => role.toLowerCase());
const metadataSchema = z.record(z.string(), z.unknown()).refine((value) => JSON.stringify(value).length <= 5 * 1024, {
	message: "The metadata may not be greater than 5 KB.",
});
const tagsSchema = z.array(z.string().min(1).max(100)).max(25);

// The fields a user has besides the uid; required or not is decided per operation below.
const profileFields = {
	name: nameSchema,
	avatar: urlSchema.optional(),
	link: urlSchema.optional(),
	role: roleSchema.optional(),
	statusMessage: z.string().max(1000).optional(),
	metadata: metadataSchema.optional(),
	tags: tagsSchema.optional(),
};

export const createUserSchema = z.object({
	uid: uidSchema,
	...profileFields,
	withAuthToken: z.boolean().optional(),
});
export type CreateUserInput = z.output<typeof createUserSchema>;

export const updateUserSchema = z.object({
	...profileFields,
	name: nameSchema.optional(),
	unset: z.array(z.enum(["avatar", "link", "metadata"])).optional(),
});
export type UpdateUserInput = z.output<typeof updateUserSchema>;

/** Folds a uid from a path or header the way CometChat does; null when it cannot be a uid at all. */
export function normalizeUid(uid: string): string | null {
	return uid.length > 0 && uid.length <= 100 && UID_PATTERN.test(uid) ? uid.toLowerCase() : null;
}

/**
 * A new user's record from validated fields (createUserSchema's output, or an import row's): absent fields are
 * null, the role `default`, tags empty.
 */
export function newUserRecord(
	appId: string,
	fields: Omit<z.output<typeof createUserSchema>, "withAuthToken">,
	times: { createdAt: number; lastActiveAt?: number | null; isSample?: boolean },
): UserRecord {
	return {
		appId,
		uid: fields.uid,
		name: fields.name,
		avatar: fields.avatar ?? null,
		link: fields.link ?? null,
		role: fields.role ?? DEFAULT_ROLE,
		statusMessage: fields.statusMessage ?? null,
		metadata: fields.metadata ?? null,
		tags: fields.tags ?? [],
		isSample: times.isSample ?? false,
		createdAt: times.createdAt,
		updatedAt: null,
		deactivatedAt: null,
		lastActiveAt: times.lastActiveAt ?? null,
	};
}

/**
 * Creates a user; the uid is lower-cased. A uid held by a deactivated user is still taken.
 *
 * @example
 * const user = await createUser(deps, appId, { uid: "alice", name: "Alice" });
 */
export async function createUser(
	deps: DomainDeps,
	appId: string,
	input: unknown,
	options: { isSample?: boolean } = {},
): Promise<{ user: UserRecord; withAuthToken: boolean }> {
	const parsed = parseInput(createUserSchema, input);
	const user = newUserRecord(appId, parsed, { createdAt: deps.clock.now(), isSample: options.isSample ?? false });
	await assertUserQuota(deps, appId);
	if (!(await deps.store.insertUser(user))) {
		throw new LatchkeyError(
			"ERR_UID_ALREADY_EXISTS",
			`The uid ${user.uid} already exists. Please use another uid or try after permanently deleting the user.`,
		);
	}
	await deps.events.publish({ type: "user.created", appId, uid: user.uid });
	await deps.audit?.record({ type: "user.created", appId, subject: user.uid, details: { uid: user.uid } });
	return { user, withAuthToken: parsed.withAuthToken ?? false };
}

/** The active user with this uid, or null (unknown and deactivated users look the same, as in CometChat). */
export async function findActiveUser(deps: DomainDeps, appId: string, uid: string): Promise<UserRecord | null> {
	const normalized = normalizeUid(uid);
	if (normalized === null) return null;
	const user = await deps.store.getUser(appId, normalized);
	return user && user.deactivatedAt === null ? user : null;
}

/** Like findActiveUser, but throws ERR_UID_NOT_FOUND. */
export async function getActiveUser(deps: DomainDeps, appId: string, uid: string): Promise<UserRecord> {
	const user = await findActiveUser(deps, appId, uid);
	if (!user) throw uidNotFound(uid.toLowerCase());
	return user;
}

export async function listUsers(deps: DomainDeps, appId: string, query: UserQuery): Promise<Page<UserRecord>> {
	return await deps.store.listUsers(appId, query);
}

/**
 * A page of users with each one's presence, keeping only users of `status` when given: two index reads for the
 * page and its total, one for the presence of the page (none when the filter already decided it).
 *
 * @example
 * const page = await listUsersWithPresence(deps, appId, query, { status: "online" });
 */
export async function listUsersWithPresence(
	deps: DomainDeps,
	appId: string,
	query: UserQuery,
	options: { status?: PresenceStatus } = {},
): Promise<UsersWithPresence> {
	const filter = options.status;
	const filtered = filter ? { ...query, presence: { status: filter, aliveSince: presenceAliveSince(deps) } } : query;
	const page = await deps.store.listUsers(appId, filtered);
	const status = filter
		? new Map(page.items.map((user) => [user.uid, filter]))
		: await getPresence(deps, appId, page.items);
	return { ...page, status };
}

/** Like getActiveUser, with the user's presence. */
export async function getActiveUserWithPresence(
	deps: DomainDeps,
	appId: string,
	uid: string,
): Promise<{ user: UserRecord; status: PresenceStatus }> {
	const user = await getActiveUser(deps, appId, uid);
	const status = (await getPresence(deps, appId, [user])).get(user.uid) ?? "offline";
	return { user, status };
}

/**
 * Applies an update: present fields overwrite, `tags` and `metadata` are replaced whole, `unset` removes.
 *
 * @example
 * await updateUser(deps, appId, "alice", { name: "Alice B.", unset: ["avatar"] });
 */
export async function updateUser(
	deps: DomainDeps,
	appId: string,
	uid: string,
	input: unknown,
	options: { allowRole?: boolean } = {},
): Promise<UserRecord> {
	// Validation comes before existence, the order CometChat answers in.
	const parsed = parseInput(updateUserSchema, input);
	const user = await getActiveUser(deps, appId, uid);
	const { unset = [], role, ...fields } = parsed;
	const patch = { ...fields, ...(options.allowRole !== false && role !== undefined && { role }) };
	const updated = await deps.store.updateUser(appId, user.uid, { ...patch, updatedAt: deps.clock.now() }, unset);
	if (!updated) throw uidNotFound(user.uid);
	await deps.events.publish({ type: "user.updated", appId, uid: user.uid });
	// The names of what changed, not the values (metadata may hold anything the app put there).
	const fieldNames = [...Object.keys(patch), ...unset.map((field) => `unset.${field}`)];
	await deps.audit?.record({
		type: "user.updated",
		appId,
		subject: user.uid,
		details: { uid: user.uid, fields: fieldNames },
	});
	return updated;
}

/**
 * Deletes a user. Soft by default (deactivated: the uid stays taken, tokens stop working but are kept);
 * `permanent` removes the user and every token. Either way their sockets close.
 */
export async function deleteUser(
	deps: DomainDeps,
	appId: string,
	uid: string,
	options: { permanent?: boolean } = {},
): Promise<void> {
	const normalized = normalizeUid(uid);
	const user = normalized === null ? null : await deps.store.getUser(appId, normalized);
	// A deactivated user can still be deleted permanently; deactivating twice is "not found", as in CometChat.
	if (!user || (user.deactivatedAt !== null && !options.permanent)) throw uidNotFound(uid.toLowerCase());
	if (options.permanent) {
		const tokenIds = await deps.store.deleteUser(appId, user.uid);
		if (tokenIds === null) throw uidNotFound(user.uid);
		await deps.events.publish({ type: "user.deleted", appId, uid: user.uid });
		await deps.audit?.record({
			type: "user.deleted",
			appId,
			subject: user.uid,
			details: { uid: user.uid, permanent: true },
		});
		await recordTokenRevocations(deps, appId, tokenIds, "user_deleted", { uid: user.uid });
		return;
	}
	await deactivate(deps, appId, user.uid);
}

/** A soft delete: the user stays stored but stops working, and their sockets close. */
async function deactivate(deps: DomainDeps, appId: string, uid: string): Promise<void> {
	await deps.store.setUserDeactivatedAt(appId, uid, deps.clock.now());
	await deps.events.publish({ type: "user.deactivated", appId, uid });
	await deps.audit?.record({ type: "user.deactivated", appId, subject: uid, details: { uid } });
}

/** CometChat's bulk bodies: `{"uidsToDeactivate": [...]}` and `{"uidsToActivate": [...]}`. */
const MAX_BULK_UIDS = 100;
export const deactivateUsersSchema = z.object({ uidsToDeactivate: z.array(uidSchema).min(1).max(MAX_BULK_UIDS) });
export const reactivateUsersSchema = z.object({ uidsToActivate: z.array(uidSchema).min(1).max(MAX_BULK_UIDS) });

/**
 * Deactivates several users (the bulk form of a soft delete); unknown or already deactivated uids are
 * skipped. Returns the uids deactivated now; their sockets close.
 *
 * @example
 * const uids = await deactivateUsers(deps, appId, { uidsToDeactivate: ["bob", "carol"] });
 */
export async function deactivateUsers(deps: DomainDeps, appId: string, input: unknown): Promise<string[]> {
	const { uidsToDeactivate } = parseInput(deactivateUsersSchema, input);
	const deactivated: string[] = [];
	for (const uid of new Set(uidsToDeactivate)) {
		const user = await deps.store.getUser(appId, uid);
		if (!user || user.deactivatedAt !== null) continue;
		await deactivate(deps, appId, uid);
		deactivated.push(uid);
	}
	return deactivated;
}

/**
 * Reactivates deactivated users: their uid, profile and kept auth tokens work again. Unknown and active uids
 * are skipped. Returns the uids reactivated now.
 *
 * @example
 * const uids = await reactivateUsers(deps, appId, { uidsToActivate: ["bob"] });
 */
export async function reactivateUsers(deps: DomainDeps, appId: string, input: unknown): Promise<string[]> {
	const { uidsToActivate } = parseInput(reactivateUsersSchema, input);
	const reactivated: string[] = [];
	for (const uid of new Set(uidsToActivate)) {
		const user = await deps.store.getUser(appId, uid);
		if (!user || user.deactivatedAt === null) continue;
		await deps.store.setUserDeactivatedAt(appId, uid, null);
		await deps.events.publish({ type: "user.reactivated", appId, uid });
		await deps.audit?.record({ type: "user.reactivated", appId, subject: uid, details: { uid } });
		reactivated.push(uid);
	}
	return reactivated;
}

/**
 * Reactivates one deactivated user; throws ERR_UID_NOT_FOUND when the uid is unknown or already active.
 *
 * @example
 * const uid = await reactivateUser(deps, appId, "bob");
 */
export async function reactivateUser(deps: DomainDeps, appId: string, uid: string): Promise<string> {
	const [reactivated] = await reactivateUsers(deps, appId, { uidsToActivate: [uid] });
	if (!reactivated) throw uidNotFound(uid.toLowerCase());
	return reactivated;
}
