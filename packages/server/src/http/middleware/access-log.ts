import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { redactSecrets } from "../../domain/secrets.ts";
import { requestIdOf } from "./request-id.ts";

// Credentials can sit in paths (`/auth_tokens/{token}`, `/apikeys/{key}`); they never reach a log line. The match
// ignores case, so `/AUTH_TOKENS/{token}` cannot slip past; a credential-shaped value anywhere else in the path is
// redacted as well.
const CREDENTIAL_SEGMENT = /\/(auth_tokens|apikeys)\/[^/?]+/gi;

export function redactPath(path: string): string {
	return redactSecrets(path.replace(CREDENTIAL_SEGMENT, "/$1/[redacted]"));
}

export function accessLog(logger: Logger): MiddlewareHandler {
	return async (c, next) => {
		const started = performance.now();
		await next();
		logger.info(
			{
				reqId: requestIdOf(c.req.raw),
				method: c.req.method,
				path: redactPath(c.req.path),
				status: c.res.status,
				ms: Math.round((performance.now() - started) * 10) / 10,
			},
			"request",
		);
	};
}
