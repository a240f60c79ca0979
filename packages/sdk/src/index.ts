export type { AppSettings, FetchFunction, PresenceSubscription, RealtimeOptions } from "./app-settings.ts";
export { AppSettingsBuilder, StorageMode } from "./app-settings.ts";
export { Client } from "./client.ts";
export { CometChat } from "./comet-chat.ts";
export type { DeviceSession } from "./device-sessions.ts";
export type { CometChatException } from "./exception.ts";
export { isCometChatException, SDK_ERROR } from "./exception.ts";
export { createFileStorage } from "./file-storage.ts";
export type {
	ConnectionListenerCallbacks,
	LoginListenerCallbacks,
	SessionRevokedReason,
} from "./listeners.ts";
export { ConnectionListener, ListenerRegistry, LoginListener } from "./listeners.ts";
export { SDK_VERSION } from "./platform.ts";
export type { ConnectionStatus } from "./realtime-connection.ts";
export { CLOSE_CODE } from "./realtime-connection.ts";
export type { SessionStorage, WebStorageLike } from "./session-storage.ts";
export { createMemoryStorage, createWebStorage } from "./session-storage.ts";
export type { Timers } from "./timers.ts";
export type { UserData } from "./user.ts";
export { User } from "./user.ts";
export type { ClientSource } from "./users-request.ts";
export { getUser, USER_STATUS, UsersRequest, UsersRequestBuilder } from "./users-request.ts";
export type { WebSocketFactory, WebSocketLike } from "./websocket.ts";
