import { lookup as dnsLookup } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * Where a webhook may not point unless LATCHKEY_WEBHOOK_ALLOW_PRIVATE=1: this machine, the link-local range (cloud
 * metadata services live at 169.254.169.254), private and shared networks, and addresses that are not unicast.
 * A webhook URL is chosen by whoever holds an app's REST API Key; without this list it would make the server a
 * proxy into the network it runs in (SSRF).
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
	["0.0.0.0", 8], // "this network"
	["10.0.0.0", 8], // private
	["100.64.0.0", 10], // carrier-grade NAT
	["127.0.0.0", 8], // loopback
	["169.254.0.0", 16], // link-local
	["172.16.0.0", 12], // private
	["192.0.0.0", 24], // IETF protocol assignments
	["192.0.2.0", 24], // documentation
	["192.168.0.0", 16], // private
	["198.18.0.0", 15], // benchmarking
	["198.51.100.0", 24], // documentation
	["203.0.113.0", 24], // documentation
	["224.0.0.0", 4], // multicast
	["240.0.0.0", 4], // reserved, broadcast
] as const) {
	BLOCKED.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
	["::", 128], // unspecified
	["::1", 128], // loopback
	["64:ff9b::", 96], // NAT64: an IPv4 address in disguise (checked again below)
	["100::", 64], // discard
	["2001:db8::", 32], // documentation
	["fc00::", 7], // unique local
	["fe80::", 10], // link-local
	["ff00::", 8], // multicast
] as const) {
	BLOCKED.addSubnet(network, prefix, "ipv6");
}

/**
 * Whether an IP address (v4, or v6 without brackets) is one a webhook may not reach. BlockList matches an
 * IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) against the IPv4 rules.
 */
export function isBlockedAddress(address: string): boolean {
	const family = isIP(address);
	if (family === 4) return BLOCKED.check(address, "ipv4");
	if (family === 6) return BLOCKED.check(address, "ipv6");
	// Not an address at all: refuse rather than guess.
	return true;
}

/** The host part of a URL as an IP address (brackets removed), or null for a name. */
export function hostAddress(hostname: string): string | null {
	const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
	return isIP(bare) === 0 ? null : bare;
}

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Why `text` cannot be a webhook URL, or null when it can: http or https only, no credentials in it, and (unless
 * `allowPrivate`) not a private, loopback or link-local address or a `localhost` name. A name is checked again
 * when the worker connects (createGuardedLookup), against what it resolves to then.
 */
export function describeBadWebhookURL(text: string, options: { allowPrivate: boolean }): string | null {
	if (text.length > MAX_WEBHOOK_URL_LENGTH) {
		return `The url may not be greater than ${MAX_WEBHOOK_URL_LENGTH} characters.`;
	}
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return "The url must be a valid URL.";
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") return "The url must start with http:// or https://.";
	if (url.username !== "" || url.password !== "") return "The url may not contain a user name or password.";
	if (options.allowPrivate) return null;
	// The WHATWG parser has already turned every spelling of an IPv4 address (0x7f.1, 2130706433) into dotted form.
	const address = hostAddress(url.hostname);
	const host = url.hostname.toLowerCase().replace(/\.$/, "");
	if ((address !== null && isBlockedAddress(address)) || host === "localhost" || host.endsWith(".localhost")) {
		return "The url may not point to a loopback, link-local or private network address.";
	}
	return null;
}

/** Resolves a host name to its addresses (dns.lookup by default; tests inject one). */
export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const resolveWithSystem: ResolveHost = (hostname) =>
	new Promise((resolve, reject) => {
		dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
	});

/** The error a connection fails with when the host resolves to a refused address. */
export class BlockedAddressError extends Error {
	constructor(hostname: string) {
		super(`${hostname} resolves to a loopback, link-local or private network address`);
		this.name = "BlockedAddressError";
	}
}

/**
 * A `lookup` for http.request that refuses a name resolving to a blocked address. It runs when the socket
 * connects, so the address checked is the address connected to: a name that resolved to a public address when the
 * webhook was saved and to 127.0.0.1 now (DNS rebinding) is refused now. Any blocked address among a name's
 * answers refuses the name.
 */
export function createGuardedLookup(resolve: ResolveHost, options: { allowPrivate: boolean }): LookupFunction {
	return (hostname, lookupOptions, callback) => {
		resolve(hostname).then(
			(addresses) => {
				const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
				const usable = addresses.filter((entry) => wanted === 0 || entry.family === wanted);
				if (usable.length === 0) {
					callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", 0);
					return;
				}
				if (!options.allowPrivate && usable.some((entry) => isBlockedAddress(entry.address))) {
					callback(new BlockedAddressError(hostname), "", 0);
					return;
				}
				if (lookupOptions.all) {
					(callback as unknown as (error: null, addresses: Array<{ address: string; family: number }>) => void)(
						null,
						usable,
					);
				} else {
					const first = usable[0] as { address: string; family: number };
					callback(null, first.address, first.family);
				}
			},
			(error: unknown) => callback(error as NodeJS.ErrnoException, "", 0),
		);
	};
}
