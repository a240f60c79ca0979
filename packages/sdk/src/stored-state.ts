import { parseUserData, type UserData } from "./user.ts";

/** A logged-in session: what `/me` answered, plus the token it was asked with. */
export interface Session {
	user: UserData;
	authToken: string;
	/** The realtime credential from `/me`; null when the server sent none (no socket then). */
	jwt: string | null;
	/** The server's `settings`; they route every later request. */
	serverSettings: Record<string, unknown> | null;
}

/** One app's stored value. `deviceId` outlives logouts, as the official SDK's `keys_store/deviceId` does. */
export interface StoredState {
	deviceId: string;
	session: Session | null;
}

const FORMAT_VERSION = 1;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseSession(value: unknown): Session | null {
	if (!isRecord(value) || typeof value.authToken !== "string" || value.authToken === "") return null;
	const user = parseUserData(value.user);
	if (!user) return null;
	return {
		user,
		authToken: value.authToken,
		jwt: typeof value.jwt === "string" ? value.jwt : null,
		serverSettings: isRecord(value.serverSettings) ? value.serverSettings : null,
	};
}

/** Reads a stored value; anything unreadable counts as nothing stored, so a corrupt file never blocks a login. */
export function parseStoredState(raw: string | null): StoredState | null {
	if (raw === null) return null;
	let value: unknown;
	try {
		value = JSON.parse(raw);
	} catch {
		return null;
	}
	if (!isRecord(value) || value.version !== FORMAT_VERSION || typeof value.deviceId !== "string") return null;
	return { deviceId: value.deviceId, session: parseSession(value.session) };
}

export function serializeStoredState(state: StoredState): string {
	return JSON.stringify({ version: FORMAT_VERSION, deviceId: state.deviceId, session: state.session });
}
