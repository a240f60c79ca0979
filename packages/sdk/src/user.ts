/** A user's fields as the server sends them and the SDK stores them. */
export interface UserData {
	uid: string;
	name: string;
	avatar?: string;
	link?: string;
	role?: string;
	metadata?: Record<string, unknown>;
	status?: string;
	statusMessage?: string;
	lastActiveAt?: number;
	tags?: string[];
	authToken?: string;
	deactivatedAt?: number;
	hasBlockedMe?: boolean;
	blockedByMe?: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads user fields from untrusted JSON; null unless `uid` is a string and `name` is present. */
export function parseUserData(value: unknown): UserData | null {
	if (!isRecord(value) || typeof value.uid !== "string" || value.name === undefined || value.name === null) return null;
	const user: UserData = { uid: value.uid, name: String(value.name) };
	for (const key of ["avatar", "link", "role", "status", "statusMessage", "authToken"] as const) {
		const field = value[key];
		if (typeof field === "string" && field !== "") user[key] = field;
	}
	for (const key of ["lastActiveAt", "deactivatedAt"] as const) {
		const field = value[key];
		if (typeof field === "number" && field !== 0) user[key] = field;
	}
	for (const key of ["hasBlockedMe", "blockedByMe"] as const) {
		if (typeof value[key] === "boolean") user[key] = value[key];
	}
	if (isRecord(value.metadata)) user.metadata = value.metadata;
	if (Array.isArray(value.tags)) user.tags = value.tags.filter((tag): tag is string => typeof tag === "string");
	// As in the official SDK: anything but "offline" counts as online.
	if (user.status !== undefined) user.status = user.status === "offline" ? "offline" : "online";
	return user;
}

/**
 * A CometChat user, with the official SDK's getters and setters.
 *
 * @example
 * const user = new CometChat.User("alice");
 * user.setName("Alice");
 * await CometChat.createUser(user, AUTH_KEY);
 */
export class User {
	private uid?: string;
	private name?: string;
	private avatar?: string;
	private link?: string;
	private role?: string;
	private metadata?: Record<string, unknown>;
	private status?: string;
	private statusMessage?: string;
	private lastActiveAt?: number;
	private tags?: string[];
	private authToken?: string;
	private deactivatedAt?: number;
	private hasBlockedMe?: boolean;
	private blockedByMe?: boolean;

	/**
	 * @example
	 * const user = new User("alice", "Alice");
	 * const copy = new User({ uid: "alice", name: "Alice" });
	 */
	constructor(uid?: string | UserData, name?: string) {
		if (typeof uid === "object") {
			Object.assign(this, uid);
			return;
		}
		if (uid !== undefined) this.uid = uid;
		if (name !== undefined) this.name = name;
	}

	/** @example user.getUid(); // "alice" */
	getUid(): string {
		return this.uid ?? "";
	}
	/** @example user.setUid("alice"); */
	setUid(uid: string): void {
		this.uid = uid;
	}
	/** @example user.getName(); // "Alice" */
	getName(): string {
		return this.name ?? "";
	}
	/** @example user.setName("Alice"); */
	setName(name: string): void {
		this.name = name;
	}
	/** @example user.getAvatar(); // "https://…/alice.png" or undefined */
	getAvatar(): string | undefined {
		return this.avatar;
	}
	/** @example user.setAvatar("https://example.com/alice.png"); */
	setAvatar(avatar: string): void {
		this.avatar = avatar;
	}
	/** @example user.getLink(); */
	getLink(): string | undefined {
		return this.link;
	}
	/** @example user.setLink("https://example.com/alice"); */
	setLink(link: string): void {
		this.link = link;
	}
	/** @example user.getRole(); // "default" */
	getRole(): string | undefined {
		return this.role;
	}
	/** @example user.setRole("moderator"); // only an admin call may change it */
	setRole(role: string): void {
		this.role = role;
	}
	/** @example user.getMetadata(); // { team: "red" } */
	getMetadata(): Record<string, unknown> | undefined {
		return this.metadata;
	}
	/** @example user.setMetadata({ team: "red" }); */
	setMetadata(metadata: Record<string, unknown>): void {
		this.metadata = metadata;
	}
	/** @example user.getStatus(); // "online" or "offline" */
	getStatus(): string | undefined {
		return this.status;
	}
	/** @example user.setStatus("online"); */
	setStatus(status: string): void {
		this.status = status;
	}
	/** @example user.getStatusMessage(); */
	getStatusMessage(): string | undefined {
		return this.statusMessage;
	}
	/** @example user.setStatusMessage("At lunch"); */
	setStatusMessage(statusMessage: string): void {
		this.statusMessage = statusMessage;
	}
	/** @example user.getLastActiveAt(); // unix seconds */
	getLastActiveAt(): number | undefined {
		return this.lastActiveAt;
	}
	/** @example user.setLastActiveAt(1767225600); */
	setLastActiveAt(lastActiveAt: number): void {
		this.lastActiveAt = lastActiveAt;
	}
	/** @example user.getTags(); // ["vip"] */
	getTags(): string[] | undefined {
		return this.tags;
	}
	/** @example user.setTags(["vip"]); */
	setTags(tags: string[]): void {
		this.tags = tags;
	}
	/** @example (await CometChat.getLoggedinUser())?.getAuthToken(); */
	getAuthToken(): string | undefined {
		return this.authToken;
	}
	/** @example user.setAuthToken(token); */
	setAuthToken(authToken: string): void {
		this.authToken = authToken;
	}
	/** @example user.getDeactivatedAt(); // unix seconds, or undefined while active */
	getDeactivatedAt(): number | undefined {
		return this.deactivatedAt;
	}
	/** @example user.getHasBlockedMe(); // false */
	getHasBlockedMe(): boolean {
		return this.hasBlockedMe ?? false;
	}
	/** @example user.getBlockedByMe(); // false */
	getBlockedByMe(): boolean {
		return this.blockedByMe ?? false;
	}
}

/** The JSON body of `POST /users` and `PUT /me`: only the fields that are set. */
export function getUserRequestBody(user: User): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	const fields: Record<string, unknown> = {
		uid: user.getUid() || undefined,
		name: user.getName() || undefined,
		avatar: user.getAvatar(),
		link: user.getLink(),
		role: user.getRole(),
		metadata: user.getMetadata(),
		statusMessage: user.getStatusMessage(),
		tags: user.getTags(),
	};
	for (const [key, value] of Object.entries(fields)) if (value !== undefined) body[key] = value;
	return body;
}
