import type { FetchFunction, HostOverride } from "./app-settings.ts";
import { type CometChatException, createException, SDK_ERROR } from "./exception.ts";
import type { Timers } from "./timers.ts";

/** Admin endpoints carry `apiKey`, client endpoints `authToken`; they may live on different hosts. */
export type EndpointSide = "admin" | "client";

export interface Endpoint {
	method: "GET" | "POST" | "PUT" | "DELETE";
	/** Relative to the versioned base, e.g. `me` or `users/alice/auth_tokens`. */
	path: string;
	side: EndpointSide;
}

/** Everything that decides where a request goes. */
export interface Routing {
	appId: string;
	region: string;
	adminHost: HostOverride | null;
	clientHost: HostOverride | null;
	/** The `settings` from the last `/me` answer; once known they decide the host, as in the official SDK. */
	serverSettings: Record<string, unknown> | null;
}

/** The scheme for one side: the override's explicit one, else https. */
export function getScheme(routing: Routing, side: EndpointSide): "http" | "https" {
	return (side === "admin" ? routing.adminHost : routing.clientHost)?.scheme ?? "https";
}

/**
 * The versioned base URL of one side: the server's settings first, then the override, then CometChat's
 * default hosts (a region of `private` puts the app id in its place, as the official SDK does).
 */
export function getBaseURL(routing: Routing, side: EndpointSide): string {
	const scheme = getScheme(routing, side);
	const settings = routing.serverSettings;
	const settingsHost = settings?.[side === "admin" ? "ADMIN_API_HOST" : "CLIENT_API_HOST"];
	const version = settings?.CHAT_API_VERSION;
	if (typeof settingsHost === "string" && settingsHost !== "" && typeof version === "string") {
		return `${scheme}://${settingsHost}/${version}`;
	}
	const override = side === "admin" ? routing.adminHost : routing.clientHost;
	if (override) return `${scheme}://${override.host}`;
	const region = routing.region === "private" ? routing.appId : routing.region;
	return `https://${routing.appId}.${side === "admin" ? "api" : "apiclient"}-${region}.cometchat.io/v3.0`;
}

export interface Transport {
	fetch: FetchFunction;
	timers: Timers;
	timeoutMs: number;
	appId: string;
	resource: string;
	sdkVersion: string;
}

export type Credential = { apiKey: string } | { authToken: string };

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | null {
	if (value === null || value.trim() === "") return null;
	if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

function failedToFetch(status: number): CometChatException {
	return createException(
		SDK_ERROR.FAILED_TO_FETCH,
		"There is an unknown issue with the API request. Please check your internet connection and verify the api call.",
		{ status },
	);
}

/** The path only: a query string could one day carry something secret, and a bad URL must not throw in a timer. */
function getPathForMessage(url: string): string {
	try {
		return new URL(url).pathname;
	} catch {
		return "(invalid URL)";
	}
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A success answer: `data`, and `meta` on lists (CometChat's `meta.pagination`). */
export interface Envelope {
	data: unknown;
	meta: unknown;
}

async function readEnvelope(response: Response): Promise<Envelope> {
	let json: unknown;
	try {
		json = JSON.parse(await response.text());
	} catch {
		throw failedToFetch(response.status);
	}
	if (isRecord(json) && "data" in json) return { data: json.data, meta: json.meta };
	if (isRecord(json) && isRecord(json.error)) {
		const error = json.error;
		const code = typeof error.code === "string" ? error.code : SDK_ERROR.FAILED_TO_FETCH;
		throw createException(code, typeof error.message === "string" ? error.message : "", {
			...(typeof error.name === "string" && { name: error.name }),
			details: isRecord(error.details) ? error.details : {},
			status: response.status,
			retryAfterMs: parseRetryAfterMs(response.headers.get("retry-after"), Date.now()),
		});
	}
	throw failedToFetch(response.status);
}

/**
 * Sends one API call the way the official SDK does (same headers, JSON on every call) and resolves with the
 * envelope's `data`. Rejects with a CometChatException: the server's error, FAILED_TO_FETCH for network
 * failures and non-envelope answers, REQUEST_TIMEOUT when nothing complete arrived in time.
 */
export async function sendRequest(
	transport: Transport,
	url: string,
	method: Endpoint["method"],
	credential: Credential | null,
	body?: unknown,
): Promise<unknown> {
	return (await sendEnvelopeRequest(transport, url, method, credential, body)).data;
}

/** Like sendRequest, resolving with the whole envelope (`data` and `meta`), for lists. */
export async function sendEnvelopeRequest(
	transport: Transport,
	url: string,
	method: Endpoint["method"],
	credential: Credential | null,
	body?: unknown,
): Promise<Envelope> {
	const headers: Record<string, string> = {
		appId: transport.appId,
		resource: transport.resource,
		sdk: transport.sdkVersion,
		Accept: "application/json",
		"Content-Type": "application/json",
	};
	if (credential && "apiKey" in credential) headers.apiKey = credential.apiKey;
	if (credential && "authToken" in credential) headers.authToken = credential.authToken;
	const controller = new AbortController();
	const path = getPathForMessage(url);
	let timer: unknown;
	const timeout = new Promise<never>((_, reject) => {
		timer = transport.timers.setTimeout(() => {
			controller.abort();
			reject(
				createException(
					SDK_ERROR.REQUEST_TIMEOUT,
					`${method} ${path} did not answer within ${transport.timeoutMs} ms.`,
				),
			);
		}, transport.timeoutMs);
	});
	const exchange = (async (): Promise<Envelope> => {
		let response: Response;
		try {
			response = await transport.fetch(url, {
				method,
				headers,
				...(body !== undefined && { body: JSON.stringify(body) }),
				signal: controller.signal,
				cache: "no-store",
				credentials: "omit",
				referrerPolicy: "no-referrer",
			});
		} catch {
			throw failedToFetch(0);
		}
		return await readEnvelope(response);
	})();
	// Whichever loses the race must not surface later as an unhandled rejection.
	exchange.catch(() => {});
	try {
		return await Promise.race([exchange, timeout]);
	} finally {
		transport.timers.clearTimeout(timer);
	}
}
