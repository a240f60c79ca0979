import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { ManagementCredentials } from "../../config.ts";
import { LatchkeyError } from "../../domain/errors.ts";
import type { AppDeps } from "../../web/deps.ts";
import { RateLimits } from "../../web/rate-limits.ts";
import type { Env } from "../context.ts";
import { requestAddress, tooManyRequests } from "../middleware/rate-limit.ts";

function digest(value: string): Buffer {
	return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Requires CometChat's Management API headers, `key` and `secret`, equal to the configured pair. A wrong pair counts
 * as a failure of the client's address (the budget the wrong `apikey` and `authtoken` count against); once the
 * address is over it, every request from it is answered 429 until the window ends, the right pair included, so
 * the answer tells a guesser nothing more.
 */
export function requireManagementCredentials(
	deps: AppDeps,
	credentials: ManagementCredentials,
): MiddlewareHandler<Env> {
	const limits = deps.rateLimits ?? new RateLimits();
	// Compared as SHA-256 digests: equal lengths for timingSafeEqual, so neither the length of the configured values
	// nor how much of a guess matched shows in the time the comparison takes.
	const expectedKey = digest(credentials.key);
	const expectedSecret = digest(credentials.secret);
	return async (c, next) => {
		const address = requestAddress(c, deps);
		const blocked = limits.blockedAddress(address);
		if (blocked) throw tooManyRequests(c, blocked, "address");
		const key = c.req.header("key");
		const secret = c.req.header("secret");
		if (!key || !secret) {
			throw new LatchkeyError("AUTH_ERR_EMPTY_AUTH_HEADER", "The key or secret header is missing.");
		}
		// Both comparisons always run (no short circuit): a right key with a wrong secret takes as long as neither.
		const keyMatches = timingSafeEqual(digest(key), expectedKey);
		const secretMatches = timingSafeEqual(digest(secret), expectedSecret);
		if (!(keyMatches && secretMatches)) {
			const decision = await limits.recordFailure(address);
			if (decision && !decision.allowed) throw tooManyRequests(c, decision, "address");
			throw new LatchkeyError("AUTH_ERR_APIKEY_NOT_FOUND", "The key and secret are not valid for the Management API.");
		}
		await next();
	};
}
