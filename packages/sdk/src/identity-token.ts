import { createException, SDK_ERROR } from "./exception.ts";
import type { Endpoint } from "./http.ts";

/**
 * Latchkey's token exchange (issue 18): an identity provider's JWT for an auth token, with only the app id. An admin
 * side call, like the Auth Key's token minting, since no session exists yet.
 */
export const EXCHANGE_ENDPOINT: Endpoint = { method: "POST", path: "auth_tokens/exchange", side: "admin" };

/** The `authToken` of an exchange's answer (`{"data":{"uid",…,"authToken"}}`); rejects an answer without one. */
export function parseExchangedAuthToken(data: unknown): string {
	const authToken =
		typeof data === "object" && data !== null && !Array.isArray(data)
			? (data as Record<string, unknown>).authToken
			: undefined;
	if (typeof authToken !== "string" || authToken === "") {
		throw createException(SDK_ERROR.FAILED_TO_FETCH, "The server's answer is missing required fields.");
	}
	return authToken;
}
