/**
 * The client's address: the socket's peer, or behind a trusted proxy (`LATCHKEY_TRUST_PROXY`) the last
 * `X-Forwarded-For` entry, the one the proxy itself added. Earlier entries are whatever the client sent, so they
 * are never believed, and without a trusted proxy the header is ignored.
 */
export function clientAddress(options: {
	remoteAddress: string | undefined;
	forwardedFor: string | string[] | undefined;
	trustProxy: boolean;
}): string {
	if (options.trustProxy) {
		const header = Array.isArray(options.forwardedFor) ? options.forwardedFor.join(",") : options.forwardedFor;
		const last = header?.split(",").at(-1)?.trim();
		if (last) return last;
	}
	return options.remoteAddress ?? "unknown";
}
