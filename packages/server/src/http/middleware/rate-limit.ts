import type { Context, MiddlewareHandler } from "hono";
import { LatchkeyError } from "../../domain/errors.ts";
import { clientAddress } from "../../web/client-address.ts";
import type { AppDeps } from "../../web/deps.ts";
import type { RateLimitDecision, RateLimits, RequestKind } from "../../web/rate-limits.ts";
import { answerHeadersOf } from "../answer-headers.ts";
import type { Env } from "../context.ts";

/** The client's address as the rate limits see it (LATCHKEY_TRUST_PROXY decides whether a proxy's header counts). */
export function requestAddress(c: Context<Env>, deps: AppDeps): string {
	return clientAddress({
		remoteAddress: c.env?.incoming?.socket?.remoteAddress,
		forwardedFor: deps.trustProxy ? c.req.header("x-forwarded-for") : undefined,
		trustProxy: deps.trustProxy ?? false,
	});
}

/** CometChat's headers: the window's budget, what is left of it, and when it starts again (unix seconds). */
export function setRateLimitHeaders(c: Context<Env>, decision: RateLimitDecision): void {
	const headers = answerHeadersOf(c);
	headers["x-rate-limit"] = String(decision.limit);
	headers["x-rate-limit-remaining"] = String(decision.remaining);
	headers["x-rate-limit-reset"] = String(Math.ceil(decision.resetAtMs / 1000));
}

/**
 * A 429 in CometChat's envelope, with `Retry-After` (whole seconds, at least 1) and the `X-Rate-Limit*` headers
 * of the budget that refused; `scope` names that budget (docs/security.md "Rate limits").
 */
export function tooManyRequests(c: Context<Env>, decision: RateLimitDecision, scope: string): LatchkeyError {
	const retryAfterSeconds = Math.max(1, Math.ceil((decision.resetAtMs - Date.now()) / 1000));
	setRateLimitHeaders(c, decision);
	answerHeadersOf(c)["retry-after"] = String(retryAfterSeconds);
	return new LatchkeyError("ERR_TOO_MANY_REQUESTS", `Too many requests. Try again in ${retryAfterSeconds} seconds.`, {
		scope,
		retryAfterSeconds,
	});
}

/**
 * CometChat's core operations: logging a user in (an identity token's exchange included) and creating or deleting
 * users. Every other request is standard. Paths are relative to /v3 or /v3.0.
 */
export function requestKind(method: string, path: string): RequestKind {
	if (method === "GET") return "standard";
	const relative = path.replace(/^\/v3(?:\.0)?/, "");
	if (method === "PUT" && relative === "/me") return "core";
	if (
		method === "POST" &&
		/^\/users\/?$|^\/users\/[^/]+\/auth_tokens\/?$|^\/auth_tokens\/exchange\/?$/.test(relative)
	) {
		return "core";
	}
	if (method === "DELETE" && /^\/users(?:\/[^/]+)?\/?$/.test(relative)) return "core";
	return "standard";
}

/** Counts every request against its app's budget (per node), and reports it in the `X-Rate-Limit*` headers. */
export function limitAppRequests(limits: RateLimits): MiddlewareHandler<Env> {
	return async (c, next) => {
		const decision = limits.consumeAppRequest(c.get("app").id, requestKind(c.req.method, c.req.path));
		if (decision) {
			if (!decision.allowed) throw tooManyRequests(c, decision, "app");
			setRateLimitHeaders(c, decision);
		}
		await next();
	};
}
