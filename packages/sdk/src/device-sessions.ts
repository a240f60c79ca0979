import { createException, SDK_ERROR } from "./exception.ts";

/**
 * One of the logged-in user's live tokens, as `GET /me/sessions` lists it ("my devices", a Latchkey addition):
 * never the token's value, only its id. Times are unix seconds.
 */
export interface DeviceSession {
	/** The token's id (`lkat_…`): what `endSession(id)` takes. */
	id: string;
	platform?: string;
	userAgent?: string;
	deviceId?: string;
	appInfo?: Record<string, unknown>;
	/** The client address of the token's last recorded use. */
	ip?: string;
	createdAt: number;
	lastUsedAt?: number;
	/** True on the token this SDK is logged in with. */
	current: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalidAnswer(): ReturnType<typeof createException> {
	return createException(SDK_ERROR.FAILED_TO_FETCH, "The server's answer is missing required fields.");
}

function parseDeviceSession(value: unknown): DeviceSession | null {
	if (!isRecord(value)) return null;
	const { id, createdAt, current } = value;
	if (typeof id !== "string" || typeof createdAt !== "number" || typeof current !== "boolean") return null;
	const text = (field: string): string | undefined => (typeof value[field] === "string" ? value[field] : undefined);
	const platform = text("platform");
	const userAgent = text("userAgent");
	const deviceId = text("deviceId");
	const ip = text("ip");
	return {
		id,
		...(platform !== undefined && { platform }),
		...(userAgent !== undefined && { userAgent }),
		...(deviceId !== undefined && { deviceId }),
		...(isRecord(value.appInfo) && { appInfo: value.appInfo }),
		...(ip !== undefined && { ip }),
		createdAt,
		...(typeof value.lastUsedAt === "number" && { lastUsedAt: value.lastUsedAt }),
		current,
	};
}

/** The `data` of `GET /me/sessions`; rejects an answer that is not a list of sessions. */
export function parseDeviceSessions(data: unknown): DeviceSession[] {
	if (!Array.isArray(data)) throw invalidAnswer();
	return data.map((item) => {
		const session = parseDeviceSession(item);
		if (!session) throw invalidAnswer();
		return session;
	});
}

/** The `revoked` count of a `{"data":{"revoked": n}}` answer. */
export function parseRevokedCount(data: unknown): number {
	if (!isRecord(data) || typeof data.revoked !== "number") throw invalidAnswer();
	return data.revoked;
}
