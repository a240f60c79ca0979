import type { AppSettings } from "./app-settings.ts";
import { type DeviceSession, parseDeviceSessions, parseRevokedCount } from "./device-sessions.ts";
import { type CometChatException, createException, isCometChatException, SDK_ERROR } from "./exception.ts";
import {
	type Credential,
	type Endpoint,
	type Envelope,
	getBaseURL,
	getScheme,
	type Routing,
	sendEnvelopeRequest,
	sendRequest,
	type Transport,
} from "./http.ts";
import { EXCHANGE_ENDPOINT, parseExchangedAuthToken } from "./identity-token.ts";
import { generateDeviceId, generateResourceId } from "./ids.ts";
import { ListenerRegistry, type SessionRevokedReason } from "./listeners.ts";
import { API_VERSION, getUserAgent, SDK_VERSION } from "./platform.ts";
import type { ConnectionStatus, RealtimeConnection } from "./realtime-connection.ts";
import { selectSessionStorage } from "./select-storage.ts";
import { createSessionSocket } from "./session-socket.ts";
import type { SessionStorage } from "./session-storage.ts";
import { parseStoredState, type Session, serializeStoredState } from "./stored-state.ts";
import { SYSTEM_TIMERS } from "./timers.ts";
import { getUserRequestBody, parseUserData, User } from "./user.ts";

const TOKEN_NOT_FOUND = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND";

const ENDPOINTS = {
	createAuthToken: (uid: string): Endpoint => ({
		method: "POST",
		path: `users/${encodeURIComponent(uid)}/auth_tokens`,
		side: "admin",
	}),
	createUser: { method: "POST", path: "users", side: "admin" },
	updateMe: { method: "PUT", path: "me", side: "client" },
	logout: { method: "DELETE", path: "me", side: "client" },
	listSessions: { method: "GET", path: "me/sessions", side: "client" },
	endSession: (id: string): Endpoint => ({
		method: "DELETE",
		path: `me/sessions/${encodeURIComponent(id)}`,
		side: "client",
	}),
	endSessions: { method: "DELETE", path: "me/sessions", side: "client" },
} satisfies Record<string, Endpoint | ((value: string) => Endpoint)>;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalidAnswer(): CometChatException {
	return createException(SDK_ERROR.FAILED_TO_FETCH, "The server's answer is missing required fields.");
}

function notLoggedIn(): CometChatException {
	return createException(SDK_ERROR.USER_NOT_LOGGED_IN, "No user is logged in. Please log in first.");
}

/** The id part (`lkat_…`) of a token: what `/me/sessions` shows. */
function getTokenId(authToken: string): string {
	const dot = authToken.indexOf(".");
	return dot === -1 ? authToken : authToken.slice(0, dot);
}

function storageFailed(): CometChatException {
	return createException(
		SDK_ERROR.STORAGE_ERROR,
		"The session could not be read or written in the configured storage.",
	);
}

/**
 * All state of one initialised app: the session, its storage, the realtime socket. The `CometChat` facade
 * holds one; create more to talk to several apps at once.
 *
 * @example
 * const client = new Client("APP_ID", new AppSettingsBuilder().overrideClientHost("chat.example.com/v3.0").build());
 * await client.ready;
 * const user = await client.login("alice", AUTH_KEY);
 */
export class Client {
	/** Resolves once the stored session (if any) is loaded; every method waits for it. */
	readonly ready: Promise<void>;
	private readonly storage: SessionStorage;
	private readonly transport: Transport;
	private deviceId: string;
	private session: Session | null = null;
	private loggingIn: { key: string; promise: Promise<User> } | null = null;
	private loggingOut: Promise<unknown> | null = null;
	private realtime: RealtimeConnection | null = null;
	private persisting: Promise<void> = Promise.resolve();

	private readonly listeners: ListenerRegistry;

	constructor(
		readonly appId: string,
		private readonly settings: AppSettings,
		options: { listeners?: ListenerRegistry } = {},
	) {
		this.listeners = options.listeners ?? new ListenerRegistry();
		this.storage = selectSessionStorage(settings);
		this.deviceId = generateDeviceId(appId);
		const fetchFunction = settings.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.transport = {
			fetch: fetchFunction,
			timers: settings.timers ?? SYSTEM_TIMERS,
			timeoutMs: settings.requestTimeoutMs,
			appId,
			resource: generateResourceId(SDK_VERSION),
			sdkVersion: `latchkey-javascript@${SDK_VERSION}`,
		};
		this.ready = this.restore();
		// Marked handled here; every method awaits `ready` and rejects with its error instead.
		this.ready.catch(() => {});
	}

	/** Logs in by uid and Auth Key, or by auth token when `authKey` is omitted. See `CometChat.login`. @example await client.login("alice", AUTH_KEY); */
	async login(uidOrAuthToken: string, authKey?: string): Promise<User> {
		const byKey = authKey !== undefined;
		if (typeof uidOrAuthToken !== "string" || uidOrAuthToken === "" || (byKey && authKey === "")) {
			const error = createException(SDK_ERROR.MISSING_PARAMETERS, "Invalid or no parameter passed to the method.");
			this.listeners.emitLogin("loginFailure", error);
			throw error;
		}
		const key = byKey ? `key\n${uidOrAuthToken.toLowerCase()}\n${authKey}` : `token\n${uidOrAuthToken}`;
		if (this.loggingIn) {
			if (this.loggingIn.key === key) return await this.loggingIn.promise;
			throw createException("-1", "Please wait until the previous login request ends.", {
				name: SDK_ERROR.LOGIN_IN_PROGRESS,
			});
		}
		const promise = this.doLogin(uidOrAuthToken, authKey, this.loggingOut).finally(() => {
			this.loggingIn = null;
		});
		this.loggingIn = { key, promise };
		return await promise;
	}

	/**
	 * Exchanges an identity provider's JWT for an auth token (`POST /auth_tokens/exchange`, only the app id), then logs
	 * in with that token exactly as `login(authToken)` does. See `CometChat.loginWithIdentityToken`.
	 * @example await client.loginWithIdentityToken(idToken);
	 */
	async loginWithIdentityToken(jwt: string): Promise<User> {
		if (typeof jwt !== "string" || jwt === "") {
			const error = createException(SDK_ERROR.MISSING_PARAMETERS, "Invalid or no parameter passed to the method.");
			this.listeners.emitLogin("loginFailure", error);
			throw error;
		}
		let authToken: string;
		try {
			await this.ready;
			const url = `${getBaseURL(this.getRouting(), EXCHANGE_ENDPOINT.side)}/${EXCHANGE_ENDPOINT.path}`;
			const body = { token: jwt, ...this.getLoginBody() };
			authToken = parseExchangedAuthToken(await sendRequest(this.transport, url, EXCHANGE_ENDPOINT.method, null, body));
		} catch (error) {
			const reported = isCometChatException(error) ? error : storageFailed();
			this.listeners.emitLogin("loginFailure", reported);
			throw reported;
		}
		return await this.login(authToken);
	}

	/** See `CometChat.getLoggedinUser`. @example const user = await client.getLoggedinUser(); */
	async getLoggedinUser(): Promise<User | null> {
		await this.ready;
		return this.session ? this.toUser(this.session) : null;
	}

	/** See `CometChat.logout`. @example await client.logout(); */
	async logout(): Promise<Record<string, unknown>> {
		// Each side waits only for work started before it, so a login and a logout can never wait on each other.
		const promise = this.doLogout(this.loggingIn?.promise ?? null);
		const settled = promise.catch(() => {});
		this.loggingOut = settled;
		void settled.then(() => {
			if (this.loggingOut === settled) this.loggingOut = null;
		});
		return await promise;
	}

	private async doLogout(pendingLogin: Promise<User> | null): Promise<Record<string, unknown>> {
		await this.ready;
		await pendingLogin?.catch(() => {});
		const session = this.session;
		if (!session) throw notLoggedIn();
		// Closing our own socket first keeps the server's 4001 "logged_out" from reporting a revocation.
		this.stopRealtime();
		try {
			const data = await this.request(ENDPOINTS.logout, { authToken: session.authToken });
			await this.closeLocalSession(session);
			return isRecord(data) ? data : {};
		} catch (error) {
			if (isCometChatException(error) && error.code === TOKEN_NOT_FOUND) return {};
			await this.clearSession(session).catch(() => {});
			const reported = isCometChatException(error) ? error : storageFailed();
			this.listeners.emitLogin("logoutFailure", reported);
			throw reported;
		}
	}

	/** See `CometChat.createUser`. @example await client.createUser(new User("bob", "Bob"), AUTH_KEY); */
	async createUser(user: User, authKey: string): Promise<User> {
		if (typeof authKey !== "string" || authKey.trim() === "") {
			throw createException(SDK_ERROR.INVALID_AUTH_KEY, "Invalid AUTH_KEY. Please provide a valid AUTH_KEY.");
		}
		if (!(user instanceof User) || user.getUid() === "") {
			throw createException(SDK_ERROR.UID_IS_COMPULSORY, "UID cannot be empty. Please provide a valid UID.");
		}
		if (user.getName().trim() === "") {
			throw createException(SDK_ERROR.USER_NAME_IS_COMPULSORY, "Name cannot be empty. Please provide a valid name.");
		}
		await this.ready;
		const data = parseUserData(await this.request(ENDPOINTS.createUser, { apiKey: authKey }, getUserRequestBody(user)));
		if (!data) throw invalidAnswer();
		return new User(data);
	}

	/** See `CometChat.updateCurrentUserDetails`. @example await client.updateCurrentUserDetails(user); */
	async updateCurrentUserDetails(user: User): Promise<User> {
		await this.ready;
		const session = this.session;
		if (!session) throw notLoggedIn();
		const body = { ...getUserRequestBody(user), uid: session.user.uid };
		const answer = await this.request(ENDPOINTS.updateMe, { authToken: session.authToken }, body);
		const updated = this.readSession(answer, session.authToken);
		// A logout or another login during the request wins; its answer then only goes back to the caller.
		if (this.isCurrent(session)) {
			this.session = {
				user: updated.user,
				authToken: session.authToken,
				jwt: updated.jwt ?? session.jwt,
				serverSettings: updated.serverSettings ?? session.serverSettings,
			};
			await this.persist();
		}
		return this.toUser(updated);
	}

	/**
	 * A GET on the client host as the logged-in user (the user reads: `getUser`, `UsersRequest`). Rejects with
	 * USER_NOT_LOGED_IN without a session; a token the server no longer knows logs the session out, as any call.
	 *
	 * @example
	 * const { data, meta } = await client.getAsUser("users?per_page=30&page=1");
	 */
	async getAsUser(path: string): Promise<Envelope> {
		await this.ready;
		const session = this.session;
		if (!session) throw notLoggedIn();
		return await this.send({ method: "GET", path, side: "client" }, { authToken: session.authToken });
	}

	/** See `CometChat.getSessions`. @example const devices = await client.getSessions(); */
	async getSessions(): Promise<DeviceSession[]> {
		const session = await this.requireSession();
		return parseDeviceSessions(await this.request(ENDPOINTS.listSessions, { authToken: session.authToken }));
	}

	/** See `CometChat.endSession`. @example await client.endSession("lkat_…"); */
	async endSession(id: string): Promise<void> {
		if (typeof id !== "string" || id.trim() === "") {
			throw createException(SDK_ERROR.MISSING_PARAMETERS, "Invalid or no parameter passed to the method.");
		}
		const session = await this.requireSession();
		const own = id === session.authToken || id === getTokenId(session.authToken);
		// Ending our own token is a logout: our socket closes first, so the server's 4001 is not taken for a revocation.
		if (own) this.stopRealtime();
		try {
			await this.request(ENDPOINTS.endSession(id), { authToken: session.authToken });
		} catch (error) {
			// Still logged in (the token was not ended): the socket comes back as it was.
			if (own && this.isCurrent(session) && this.settings.autoEstablishSocketConnection) this.startRealtime(session);
			throw error;
		}
		if (own) await this.closeLocalSession(session);
	}

	/** See `CometChat.endOtherSessions`. @example const ended = await client.endOtherSessions(); */
	async endOtherSessions(): Promise<number> {
		const session = await this.requireSession();
		const body = { scope: "others" };
		return parseRevokedCount(await this.request(ENDPOINTS.endSessions, { authToken: session.authToken }, body));
	}

	private async requireSession(): Promise<Session> {
		await this.ready;
		if (!this.session) throw notLoggedIn();
		return this.session;
	}

	/** See `CometChat.connect`. @example await client.connect(); */
	async connect(): Promise<void> {
		await this.ready;
		if (!this.session) throw notLoggedIn();
		this.startRealtime(this.session);
	}

	/** See `CometChat.disconnect`. @example client.disconnect(); */
	disconnect(): void {
		this.stopRealtime();
	}

	/** See `CometChat.getConnectionStatus`. @example client.getConnectionStatus(); // "connected" */
	getConnectionStatus(): ConnectionStatus {
		return this.realtime?.getStatus() ?? "disconnected";
	}

	/** Stops the socket and timers; the stored session stays. Used when `init` runs again. @example client.close(); */
	close(): void {
		this.stopRealtime();
	}

	private async restore(): Promise<void> {
		let raw: string | null;
		try {
			raw = await this.storage.read(this.appId);
		} catch {
			throw storageFailed();
		}
		const state = parseStoredState(raw);
		if (state) this.deviceId = state.deviceId;
		this.session = state?.session ?? null;
		if (!state) await this.persist();
		if (this.session && this.settings.autoEstablishSocketConnection) this.startRealtime(this.session);
	}

	private async doLogin(
		uidOrAuthToken: string,
		authKey: string | undefined,
		pendingLogout: Promise<unknown> | null,
	): Promise<User> {
		try {
			await this.ready;
			// A login that starts while a logout runs must not resolve from the session being torn down.
			await pendingLogout;
			const current = this.session;
			const sameUser = authKey !== undefined && current?.user.uid.toLowerCase() === uidOrAuthToken.toLowerCase();
			const sameToken = authKey === undefined && current?.authToken === uidOrAuthToken;
			if (current && (sameUser || sameToken)) {
				const user = this.toUser(current);
				this.listeners.emitLogin("loginSuccess", user);
				return user;
			}
			if (current) await this.revokeSession(current);
			const authToken = authKey === undefined ? uidOrAuthToken : await this.createAuthToken(uidOrAuthToken, authKey);
			const session = this.readSession(
				await this.request(ENDPOINTS.updateMe, { authToken }, this.getLoginBody()),
				authToken,
			);
			this.session = session;
			await this.persist();
			const user = this.toUser(session);
			this.listeners.emitLogin("loginSuccess", user);
			if (this.settings.autoEstablishSocketConnection) this.startRealtime(session);
			return user;
		} catch (error) {
			const reported = isCometChatException(error) ? error : storageFailed();
			this.listeners.emitLogin("loginFailure", reported);
			throw reported;
		}
	}

	private async createAuthToken(uid: string, authKey: string): Promise<string> {
		const data = await this.request(ENDPOINTS.createAuthToken(uid), { apiKey: authKey }, this.getLoginBody());
		if (!isRecord(data) || typeof data.authToken !== "string" || data.authToken === "") throw invalidAnswer();
		return data.authToken;
	}

	/**
	 * Logging in as someone else revokes the previous token on the server first: it would otherwise stay valid
	 * with no client left that could log it out. A failed revoke does not block the new login.
	 */
	private async revokeSession(session: Session): Promise<void> {
		this.stopRealtime();
		try {
			await this.request(ENDPOINTS.logout, { authToken: session.authToken });
		} catch {
			// Not found means it is already gone; anything else must not keep the new user out.
		}
		if (this.isCurrent(session)) await this.closeLocalSession(session);
	}

	private readSession(answer: unknown, authToken: string): Session {
		const user = parseUserData(answer);
		if (!user || !isRecord(answer)) throw invalidAnswer();
		return {
			user: { ...user, authToken },
			authToken,
			jwt: typeof answer.jwt === "string" && answer.jwt !== "" ? answer.jwt : null,
			serverSettings: isRecord(answer.settings) ? answer.settings : null,
		};
	}

	private getLoginBody(): Record<string, unknown> {
		return {
			platform: "WEB",
			deviceId: this.deviceId,
			appInfo: { version: SDK_VERSION, apiVersion: API_VERSION, userAgent: getUserAgent() },
		};
	}

	private toUser(session: Session): User {
		return new User({ ...session.user, authToken: session.authToken });
	}

	private getRouting(): Routing {
		return {
			appId: this.appId,
			region: this.settings.region,
			adminHost: this.settings.adminHost,
			clientHost: this.settings.clientHost,
			serverSettings: this.session?.serverSettings ?? null,
		};
	}

	/** One API call, resolving with its `data`. */
	private async request(endpoint: Endpoint, credential: Credential, body?: unknown): Promise<unknown> {
		return (await this.send(endpoint, credential, body)).data;
	}

	/** One API call; a session whose token the server no longer knows ends here, whichever call noticed it. */
	private async send(endpoint: Endpoint, credential: Credential, body?: unknown): Promise<Envelope> {
		const url = `${getBaseURL(this.getRouting(), endpoint.side)}/${endpoint.path}`;
		try {
			return await sendEnvelopeRequest(this.transport, url, endpoint.method, credential, body);
		} catch (error) {
			const session = this.session;
			const usedToken = "authToken" in credential ? credential.authToken : null;
			if (isCometChatException(error) && error.code === TOKEN_NOT_FOUND && session?.authToken === usedToken) {
				this.stopRealtime();
				await this.closeLocalSession(session).catch(() => {});
			}
			throw error;
		}
	}

	/** Clears the session (memory, then storage) and reports `logoutSuccess`, even if storage fails. */
	private async closeLocalSession(session: Session): Promise<void> {
		try {
			await this.clearSession(session);
		} finally {
			this.listeners.emitLogin("logoutSuccess");
		}
	}

	/** Sessions are the same login when their token is; a profile update replaces the object, not the login. */
	private isCurrent(session: Session): boolean {
		return this.session !== null && this.session.authToken === session.authToken;
	}

	private async clearSession(session: Session): Promise<void> {
		if (!this.isCurrent(session)) return;
		this.session = null;
		await this.persist();
	}

	/** Writes the current state; writes are queued so an older state can never land after a newer one. */
	private persist(): Promise<void> {
		const value = serializeStoredState({ deviceId: this.deviceId, session: this.session });
		const write = this.persisting.then(() => this.storage.write(this.appId, value));
		this.persisting = write.catch(() => {});
		return write.catch(() => {
			throw storageFailed();
		});
	}

	private startRealtime(session: Session): void {
		if (this.realtime) return;
		const connection = createSessionSocket({
			appId: this.appId,
			session,
			settings: this.settings,
			resource: this.transport.resource,
			deviceId: this.deviceId,
			timers: this.transport.timers,
			clientScheme: getScheme(this.getRouting(), "client"),
			onStatusChange: (status) =>
				this.listeners.emitConnection(
					status === "connected" ? "onConnected" : status === "connecting" ? "inConnecting" : "onDisconnected",
				),
			onRevoked: (reason) => this.handleRevoked(session, reason),
		});
		this.realtime = connection;
		connection?.start();
	}

	private stopRealtime(): void {
		const connection = this.realtime;
		this.realtime = null;
		connection?.stop();
	}

	private handleRevoked(session: Session, reason: SessionRevokedReason): void {
		this.realtime = null;
		if (!this.isCurrent(session)) return;
		this.session = null;
		this.listeners.emitLogin("sessionRevoked", reason);
		this.persist()
			.catch(() => {})
			.finally(() => this.listeners.emitLogin("logoutSuccess"));
	}
}
