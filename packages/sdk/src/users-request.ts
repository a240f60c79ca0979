import type { Client } from "./client.ts";
import { createException, SDK_ERROR } from "./exception.ts";
import { parseUserData, User } from "./user.ts";

/** The presence values of `User.getStatus()` and `UsersRequestBuilder.setStatus()`, as in the official SDK. */
export const USER_STATUS = { ONLINE: "online", OFFLINE: "offline" } as const;

/** Where a request finds its client: the facade's, looked up when the request runs (after `init`). */
export type ClientSource = () => Client;

function invalidAnswer(): ReturnType<typeof createException> {
	return createException(SDK_ERROR.FAILED_TO_FETCH, "The server's answer is missing required fields.");
}

/**
 * One user as the logged-in user may see them: `GET /users/{uid}` with the session's token.
 *
 * @example
 * const bob = await getUser(client, "bob");
 */
export async function getUser(client: Client, uid: string | { uid: string }): Promise<User> {
	const id = typeof uid === "object" && uid !== null ? uid.uid : uid;
	if (typeof id !== "string" || id.trim() === "") {
		throw createException(SDK_ERROR.UID_IS_COMPULSORY, "UID cannot be empty. Please provide a valid UID.");
	}
	const data = parseUserData((await client.getAsUser(`users/${encodeURIComponent(id)}`)).data);
	if (!data) throw invalidAnswer();
	return new User(data);
}

const DEFAULT_LIMIT = 30;
const MAX_LIMIT = 100;

/** What a builder collected; a UsersRequest turns it into the official SDK's query string. */
interface UsersRequestOptions {
	limit: number;
	searchKeyword?: string;
	searchIn?: string[];
	status?: string;
	hideBlockedUsers: boolean;
	friendsOnly: boolean;
	role?: string;
	roles?: string[];
	tags?: string[];
	withTags: boolean;
	uids?: string[];
	sortBy?: string;
	sortOrder?: string;
}

function joinList(values: readonly string[]): string {
	return values.map((value) => encodeURIComponent(value)).join(",");
}

/**
 * Pages through the users the logged-in user may see, one `fetchNext()` per page, sending exactly what the
 * official SDK 4.2.0 sends (docs/api.md "GET /users").
 *
 * @example
 * const request = new CometChat.UsersRequestBuilder().setLimit(30).setSearchKeyword("al").build();
 * const first = await request.fetchNext();
 */
export class UsersRequest {
	private page = 0;
	private fetching: Promise<User[]> | null = null;

	constructor(
		private readonly source: ClientSource,
		private readonly options: UsersRequestOptions,
	) {}

	/**
	 * The next page (empty once past the end). Calls made while one is running share its answer.
	 *
	 * @example
	 * let users = await request.fetchNext();
	 * while (users.length > 0) users = await request.fetchNext();
	 */
	fetchNext(): Promise<User[]> {
		this.fetching ??= this.fetchPage(this.page + 1).finally(() => {
			this.fetching = null;
		});
		return this.fetching;
	}

	private async fetchPage(page: number): Promise<User[]> {
		const { data } = await this.source().getAsUser(`users?${this.getQuery(page)}`);
		if (!Array.isArray(data)) throw invalidAnswer();
		this.page = page;
		return data.flatMap((item) => {
			const user = parseUserData(item);
			return user ? [new User(user)] : [];
		});
	}

	/** The query string of one page, in the official SDK's order and spelling. */
	private getQuery(page: number): string {
		const o = this.options;
		const parts: string[] = [`per_page=${o.limit}`];
		if (o.searchKeyword) parts.push(`searchKey=${encodeURIComponent(o.searchKeyword)}`);
		// The official SDK asks for "available" when the app asks for online users.
		if (o.status) parts.push(`status=${o.status === USER_STATUS.ONLINE ? "available" : o.status}`);
		if (o.hideBlockedUsers) parts.push("hideBlockedUsers=1");
		const roles = o.roles && o.roles.length > 0 ? o.roles : o.role ? [o.role] : [];
		if (roles.length > 0) parts.push(`roles=${joinList(roles)}`);
		if (o.tags && o.tags.length > 0) parts.push(`tags=${joinList(o.tags)}`);
		if (o.friendsOnly) parts.push("friendsOnly=1");
		if (o.withTags) parts.push("withTags=1");
		if (o.uids && o.uids.length > 0) parts.push(`uids=${joinList(o.uids)}`);
		if (o.sortBy) parts.push(`sortBy=${encodeURIComponent(o.sortBy)}`);
		if (o.sortOrder) parts.push(`sortOrder=${encodeURIComponent(o.sortOrder)}`);
		if (o.searchIn && o.searchIn.length > 0) parts.push(`searchIn=${joinList(o.searchIn)}`);
		parts.push(`page=${page}`);
		return parts.join("&");
	}

	/** @example request.getLimit(); // 30 */
	getLimit(): number {
		return this.options.limit;
	}
	/** @example request.getSearchKeyword(); */
	getSearchKeyword(): string | undefined {
		return this.options.searchKeyword;
	}
	/** @example request.getStatus(); // "online" */
	getStatus(): string | undefined {
		return this.options.status;
	}
	/** @example request.isHideBlockedUsers(); // false */
	isHideBlockedUsers(): boolean {
		return this.options.hideBlockedUsers;
	}
	/** @example request.isFriendsOnly(); // false */
	isFriendsOnly(): boolean {
		return this.options.friendsOnly;
	}
	/** @example request.getRole(); */
	getRole(): string | undefined {
		return this.options.role;
	}
	/** @example request.getRoles(); */
	getRoles(): string[] | undefined {
		return this.options.roles;
	}
	/** @example request.getTags(); */
	getTags(): string[] | undefined {
		return this.options.tags;
	}
	/** @example request.isWithTags(); */
	isWithTags(): boolean {
		return this.options.withTags;
	}
	/** @example request.getUIDs(); */
	getUIDs(): string[] | undefined {
		return this.options.uids;
	}
}

/**
 * Builds a UsersRequest with the official SDK's setters. Friends and blocked users are sent as the official SDK
 * sends them and ignored by Latchkey, which has neither; the order is always by uid.
 *
 * @example
 * const request = new CometChat.UsersRequestBuilder()
 * 	.setLimit(30)
 * 	.setStatus(CometChat.USER_STATUS.ONLINE)
 * 	.build();
 */
export class UsersRequestBuilder {
	private readonly options: UsersRequestOptions = {
		limit: DEFAULT_LIMIT,
		hideBlockedUsers: false,
		friendsOnly: false,
		withTags: false,
	};

	/** `new UsersRequestBuilder(() => client)` for a Client of your own; `CometChat.UsersRequestBuilder` needs none. */
	constructor(private readonly source: ClientSource) {}

	/** Users per page, 1–100 (a number outside is brought inside). @example builder.setLimit(30); */
	setLimit(limit: number): this {
		this.options.limit = Math.min(MAX_LIMIT, Math.max(1, Math.floor(Number(limit) || DEFAULT_LIMIT)));
		return this;
	}
	/** A case-insensitive prefix of uid or name. @example builder.setSearchKeyword("al"); */
	setSearchKeyword(searchKeyword: string): this {
		this.options.searchKeyword = searchKeyword;
		return this;
	}
	/** Where the keyword is looked for: `uid`, `name` or both. @example builder.searchIn(["name"]); */
	searchIn(fields: string[]): this {
		this.options.searchIn = fields;
		return this;
	}
	/** Only online or only offline users. @example builder.setStatus(CometChat.USER_STATUS.ONLINE); */
	setStatus(status: string): this {
		this.options.status = status;
		return this;
	}
	/** Sent as the official SDK does; Latchkey has no blocked users. @example builder.hideBlockedUsers(true); */
	hideBlockedUsers(hide: boolean): this {
		this.options.hideBlockedUsers = hide === true;
		return this;
	}
	/** Sent as the official SDK does; Latchkey has no friends lists. @example builder.friendsOnly(true); */
	friendsOnly(only: boolean): this {
		this.options.friendsOnly = only === true;
		return this;
	}
	/** @example builder.setRole("admin"); */
	setRole(role: string): this {
		this.options.role = role;
		return this;
	}
	/** @example builder.setRoles(["admin", "moderator"]); */
	setRoles(roles: string[]): this {
		this.options.roles = roles;
		return this;
	}
	/** Only users with every one of these tags. @example builder.setTags(["vip"]); */
	setTags(tags: string[]): this {
		this.options.tags = tags;
		return this;
	}
	/** Include each user's tags (when the app shows them to clients). @example builder.withTags(true); */
	withTags(withTags: boolean): this {
		this.options.withTags = withTags === true;
		return this;
	}
	/** Only these uids. @example builder.setUIDs(["alice", "bob"]); */
	setUIDs(uids: string[]): this {
		this.options.uids = uids;
		return this;
	}
	/** Sent as the official SDK does; Latchkey orders by uid. @example builder.sortBy("name"); */
	sortBy(sortBy: string): this {
		this.options.sortBy = sortBy;
		return this;
	}
	/** Sent as the official SDK does; Latchkey orders by uid. @example builder.sortByOrder("desc"); */
	sortByOrder(sortOrder: string): this {
		this.options.sortOrder = sortOrder;
		return this;
	}
	/** @example const request = builder.build(); */
	build(): UsersRequest {
		return new UsersRequest(this.source, { ...this.options });
	}
}
