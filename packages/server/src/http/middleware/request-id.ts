import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { redactSecrets } from "../../domain/secrets.ts";
import { answerHeadersOf } from "../answer-headers.ts";
import type { Env } from "../context.ts";

/** What a caller's `X-Request-Id` may be: a proxy's or a client's id, short and printable. */
const ACCEPTED_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

// Kept on the request itself, so the dashboard (mounted as its own app, with its own context) finds it too. A
// property rather than a WeakMap entry: ephemerons cost the garbage collector more than a field does.
const REQUEST_ID = Symbol("latchkey.requestId");
type WithRequestId = Request & { [REQUEST_ID]?: string };

/** The id of a request that passed `requestId()`; undefined for one that did not (a test's own app, say). */
export function requestIdOf(request: Request): string | undefined {
	return (request as WithRequestId)[REQUEST_ID];
}

/**
 * Gives every request an id: the caller's `X-Request-Id` when it is 1–128 characters of letters, digits and
 * `._:@/+=-` and not credential-shaped (a token sent as an id would otherwise reach the log), else a fresh UUID.
 * It is answered in `X-Request-Id` and written into every log line about the request (docs/operations.md).
 */
export function requestId(): MiddlewareHandler<Env> {
	return async (c, next) => {
		const presented = c.req.header("x-request-id");
		const id =
			presented !== undefined && ACCEPTED_ID.test(presented) && redactSecrets(presented) === presented
				? presented
				: randomUUID();
		(c.req.raw as WithRequestId)[REQUEST_ID] = id;
		answerHeadersOf(c)["x-request-id"] = id;
		await next();
	};
}
