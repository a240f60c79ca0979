import {
	AppSettingsBuilder as AppSettingsBuilderClass,
	type AppSettings as AppSettingsShape,
	StorageMode as StorageModes,
} from "./app-settings.ts";
import { Client } from "./client.ts";
import type { DeviceSession as DeviceSessionShape } from "./device-sessions.ts";
import { createException, type CometChatException as Exception, SDK_ERROR } from "./exception.ts";
import {
	ConnectionListener as ConnectionListenerClass,
	ListenerRegistry,
	LoginListener as LoginListenerClass,
} from "./listeners.ts";
import type { ConnectionStatus } from "./realtime-connection.ts";
import { User as UserClass } from "./user.ts";
import {
	getUser,
	USER_STATUS as USER_STATUS_VALUES,
	UsersRequestBuilder as UsersRequestBuilderBase,
	type UsersRequest as UsersRequestClass,
} from "./users-request.ts";

function notInitialized(): Exception {
	return createException("-1", "CometChat is not initialized. Please call CometChat.init() first.", {
		name: SDK_ERROR.INITIALIZATION_NOT_DONE,
	});
}

/**
 * The official SDK's entry point, with the same names and semantics: switch an app by changing its import.
 * It only forwards to one `Client`, created by `init`; listeners live here so they may be added before `init`.
 *
 * @example
 * import { CometChat } from "@latchkey/chat-sdk";
 * await CometChat.init(APP_ID, new CometChat.AppSettingsBuilder().overrideClientHost("chat.example.com/v3.0").build());
 * const user = await CometChat.login("alice", AUTH_KEY);
 */
// biome-ignore lint/complexity/noStaticOnlyClass: the official SDK's facade is a class of statics, and apps call it that way.
export class CometChat {
	static readonly User = UserClass;
	static readonly AppSettingsBuilder = AppSettingsBuilderClass;
	static readonly LoginListener = LoginListenerClass;
	static readonly ConnectionListener = ConnectionListenerClass;
	static readonly StorageMode = StorageModes;
	static readonly USER_STATUS = USER_STATUS_VALUES;
	/**
	 * `new CometChat.UsersRequestBuilder().setLimit(30).build()`: requests run as the user logged in through this
	 * facade (looked up when `fetchNext()` runs).
	 */
	static readonly UsersRequestBuilder: new () => UsersRequestBuilderBase =
		class FacadeUsersRequestBuilder extends UsersRequestBuilderBase {
			constructor() {
				super(() => CometChat.getClient());
			}
		};

	private static client: Client | null = null;
	private static readonly listeners = new ListenerRegistry();

	private static getClient(): Client {
		if (!CometChat.client) throw notInitialized();
		return CometChat.client;
	}

	/**
	 * Sets the app up and restores a stored session (no request is made). Calling it again replaces the
	 * previous setup and closes its socket.
	 *
	 * @example
	 * await CometChat.init("APP_ID", new CometChat.AppSettingsBuilder().setRegion("eu").build());
	 */
	static async init(
		appId: string | { appId: string; appSettings?: AppSettingsShape },
		appSettings?: AppSettingsShape,
	): Promise<boolean> {
		const id = typeof appId === "string" ? appId : appId?.appId;
		const settings =
			(typeof appId === "string" ? appSettings : appId?.appSettings) ?? new AppSettingsBuilderClass().build();
		if (typeof id !== "string" || id.trim() === "") {
			throw createException(SDK_ERROR.MISSING_PARAMETERS, "AppID cannot be empty. Please specify a valid appID.");
		}
		CometChat.client?.close();
		const client = new Client(id.trim(), settings, { listeners: CometChat.listeners });
		CometChat.client = client;
		await client.ready;
		return true;
	}

	/**
	 * `login(uid, authKey)` mints a token with the Auth Key, then calls `PUT /me`; `login(authToken)` only calls
	 * `PUT /me`. Logging in as another user first revokes the previous user's token on the server. Concurrent
	 * identical calls share one request.
	 *
	 * @example
	 * const user = await CometChat.login("alice", AUTH_KEY);
	 * const same = await CometChat.login(tokenFromMyBackend);
	 */
	static async login(uidOrAuthToken: string | { authToken: string }, authKey?: string): Promise<UserClass> {
		const value =
			typeof uidOrAuthToken === "object" && uidOrAuthToken !== null ? uidOrAuthToken.authToken : uidOrAuthToken;
		return await CometChat.getClient().login(value, authKey);
	}

	/**
	 * Latchkey's addition (issue 18): logs in with a JWT from the app's own identity provider (Auth0, Firebase,
	 * Supabase, Keycloak, Clerk …) that the app trusts (`/v3/identity_providers`). The server verifies it and answers
	 * a new auth token (creating the user on first sight when the provider allows it); the SDK then logs in with that
	 * token as `login(authToken)` does. No Auth Key and no backend of the app are involved. A refused token rejects
	 * with `AUTH_ERR_INVALID_IDENTITY_TOKEN` and `details.reason` (docs/identity-providers.md).
	 *
	 * @example
	 * const idToken = await firebase.auth().currentUser.getIdToken();
	 * const user = await CometChat.loginWithIdentityToken(idToken);
	 */
	static async loginWithIdentityToken(jwt: string): Promise<UserClass> {
		return await CometChat.getClient().loginWithIdentityToken(jwt);
	}

	/**
	 * The logged-in user from storage, without a request; null when nobody is logged in.
	 *
	 * @example
	 * const user = await CometChat.getLoggedinUser();
	 * if (!user) showLoginPage();
	 */
	static async getLoggedinUser(): Promise<UserClass | null> {
		return await CometChat.getClient().getLoggedinUser();
	}

	/**
	 * Revokes the token on the server (`DELETE /me`), clears the stored session and closes the socket. The local
	 * session is cleared even when the server cannot be reached; the promise then rejects and `logoutFailure` fires.
	 *
	 * @example
	 * await CometChat.logout();
	 */
	static async logout(): Promise<Record<string, unknown>> {
		return await CometChat.getClient().logout();
	}

	/**
	 * Creates a user with an Auth Key (`POST /users`). Meant for development: in production create users from
	 * your backend with the REST API key.
	 *
	 * @example
	 * const user = new CometChat.User("bob");
	 * user.setName("Bob");
	 * await CometChat.createUser(user, AUTH_KEY);
	 */
	static async createUser(user: UserClass, authKey: string): Promise<UserClass> {
		return await CometChat.getClient().createUser(user, authKey);
	}

	/**
	 * Updates the logged-in user's profile (`PUT /me`); `role` cannot be changed this way.
	 *
	 * @example
	 * const me = new CometChat.User("alice");
	 * me.setName("Alice Liddell");
	 * await CometChat.updateCurrentUserDetails(me);
	 */
	static async updateCurrentUserDetails(user: UserClass): Promise<UserClass> {
		return await CometChat.getClient().updateCurrentUserDetails(user);
	}

	/** @example CometChat.addLoginListener("main", new CometChat.LoginListener({ logoutSuccess: () => showLoginPage() })); */
	static addLoginListener(id: string, listener: LoginListenerClass): void {
		CometChat.listeners.addLoginListener(id, listener);
	}

	/** @example CometChat.removeLoginListener("main"); */
	static removeLoginListener(id: string): void {
		CometChat.listeners.removeLoginListener(id);
	}

	/** @example CometChat.addConnectionListener("main", new CometChat.ConnectionListener({ onConnected: () => setOnline(true) })); */
	static addConnectionListener(id: string, listener: ConnectionListenerClass): void {
		CometChat.listeners.addConnectionListener(id, listener);
	}

	/** @example CometChat.removeConnectionListener("main"); */
	static removeConnectionListener(id: string): void {
		CometChat.listeners.removeConnectionListener(id);
	}

	/**
	 * One user as the logged-in user may see them (`GET /users/{uid}` with the session's token): the fields the
	 * app shows to clients and their real `status`. Rejects with ERR_UID_NOT_FOUND for an unknown or deactivated
	 * uid, and USER_NOT_LOGED_IN without a session.
	 *
	 * @example
	 * const bob = await CometChat.getUser("bob");
	 * bob.getStatus(); // "online"
	 */
	static async getUser(uid: string | { uid: string }): Promise<UserClass> {
		return await getUser(CometChat.getClient(), uid);
	}

	/**
	 * "My devices" (a Latchkey addition, `GET /me/sessions`): the logged-in user's live tokens, newest first, each
	 * with its id, device facts, the address and time of its last use, and `current: true` on this SDK's own.
	 * Rejects with USER_NOT_LOGED_IN without a session.
	 *
	 * @example
	 * const devices = await CometChat.getSessions();
	 * const others = devices.filter((device) => !device.current);
	 */
	static async getSessions(): Promise<DeviceSessionShape[]> {
		return await CometChat.getClient().getSessions();
	}

	/**
	 * Ends one of the logged-in user's tokens by its id (from `getSessions()`); its sockets close. Ending this SDK's
	 * own token logs it out (`logoutSuccess`). Another user's token rejects with ERR_AUTH_TOKEN_NOT_FOUND.
	 *
	 * @example
	 * await CometChat.endSession(device.id);
	 */
	static async endSession(id: string): Promise<void> {
		await CometChat.getClient().endSession(id);
	}

	/**
	 * Ends every token of the logged-in user but this SDK's own ("sign out everywhere else"); resolves with how many
	 * ended.
	 *
	 * @example
	 * const ended = await CometChat.endOtherSessions();
	 */
	static async endOtherSessions(): Promise<number> {
		return await CometChat.getClient().endOtherSessions();
	}

	/** `"connected"` once the server accepted the auth frame, `"connecting"` while (re)connecting, else `"disconnected"`. @example CometChat.getConnectionStatus(); */
	static getConnectionStatus(): ConnectionStatus {
		return CometChat.client?.getConnectionStatus() ?? "disconnected";
	}

	/** Opens the realtime socket by hand (with `autoEstablishSocketConnection(false)`). @example await CometChat.connect(); */
	static async connect(): Promise<void> {
		await CometChat.getClient().connect();
	}

	/** Closes the realtime socket; no reconnect until `connect()`. @example CometChat.disconnect(); */
	static disconnect(): void {
		CometChat.client?.disconnect();
	}
}

/** Lets apps write `CometChat.User` (and the others) as types, as with the official SDK. */
export declare namespace CometChat {
	type User = UserClass;
	type AppSettings = AppSettingsShape;
	type AppSettingsBuilder = AppSettingsBuilderClass;
	type LoginListener = LoginListenerClass;
	type ConnectionListener = ConnectionListenerClass;
	type CometChatException = Exception;
	type UsersRequest = UsersRequestClass;
	type UsersRequestBuilder = UsersRequestBuilderBase;
	type DeviceSession = DeviceSessionShape;
}
