// The close-code contract shared with the Latchkey SDK (docs/realtime.md); never renumber.

/** The session ended on the server; the close reason is the event's `RevocationReason`. Do not reconnect with it. */
export const CLOSE_SESSION_REVOKED = 4001;
/** The auth frame named no live session (bad or unknown JWT, revoked token, deactivated user). */
export const CLOSE_AUTH_FAILED = 4002;
/** No valid auth frame arrived in time. */
export const CLOSE_AUTH_TIMEOUT = 4003;
/** The user already holds as many authenticated sockets on this node as allowed (LATCHKEY_WS_MAX_SOCKETS_PER_USER). */
export const CLOSE_TOO_MANY_SOCKETS = 4004;
/**
 * The client's address or user is over its login budget (docs/security.md "Rate limits"; RFC 6455 "try again
 * later"). Reconnecting after a minute is right.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** The server is shutting down (RFC 6455 "going away"); reconnecting later is right. */
export const CLOSE_GOING_AWAY = 1001;
/** Something failed on our side while authenticating (RFC 6455 "internal error"). */
export const CLOSE_INTERNAL_ERROR = 1011;

export const CLOSE_REASON_AUTH_FAILED = "auth_failed";
export const CLOSE_REASON_AUTH_TIMEOUT = "auth_timeout";
export const CLOSE_REASON_TOO_MANY_SOCKETS = "too_many_sockets";
export const CLOSE_REASON_TOO_MANY_REQUESTS = "too_many_requests";
export const CLOSE_REASON_GOING_AWAY = "server_shutdown";
export const CLOSE_REASON_INTERNAL_ERROR = "internal_error";
