/** The SDK's version, sent in `appInfo`, the auth frame and the `sdk` header. */
export const SDK_VERSION = "0.1.0";
/** The REST API version the SDK speaks, as CometChat names it. */
export const API_VERSION = "v3.0";

/** The browser's user agent; Node 20 has no `navigator`, so the SDK names itself there. */
export function getUserAgent(): string {
	return (
		(globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? `latchkey-chat-sdk/${SDK_VERSION}`
	);
}
