function toHex(bytes: Uint8Array): string {
	return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A random RFC 4122 version 4 UUID from `crypto.getRandomValues`, which browsers and Node both have. */
export function generateUUID(): string {
	const bytes = new Uint8Array(16);
	crypto.getRandomValues(bytes);
	bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
	bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
	const hex = toHex(bytes);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The per-process id the official SDK sends as `resource` and as the socket `deviceId`. */
export function generateResourceId(version: string): string {
	return `WEB-${version.replaceAll(".", "_")}-${generateUUID()}-${Date.now()}`;
}

/** The per-install device id, kept in storage across logouts, as the official SDK keeps `keys_store/deviceId`. */
export function generateDeviceId(appId: string): string {
	return `${appId}_${generateUUID()}_${Date.now()}`;
}
