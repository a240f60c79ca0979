import type { MiddlewareHandler } from "hono";
import { answerHeadersOf } from "../answer-headers.ts";
import type { Env } from "../context.ts";

// The official SDK's headers, listed one by one: a `*` would not cover `Authorization`.
const CORS_HEADERS = [
	"appid",
	"apikey",
	"authtoken",
	"resource",
	"sdk",
	"content-type",
	"accept",
	"authorization",
	"onbehalfof",
	"chatapiversion",
	"settingshash",
	"settingshashreceivedat",
	"x-request-id",
];

const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
	"access-control-allow-origin": "*",
	"access-control-allow-methods": "GET,POST,PUT,DELETE,OPTIONS",
	"access-control-allow-headers": CORS_HEADERS.join(","),
	"access-control-max-age": "86400",
};

// What a browser script may read of an answer beyond the CORS-safelisted headers: the rate-limit budget and the
// request's id.
const EXPOSED_HEADERS = "retry-after,x-rate-limit,x-rate-limit-remaining,x-rate-limit-reset,x-request-id";

/**
 * CORS for the API the SDKs call from browsers: any origin, no credentials (the API authenticates by header,
 * never by cookie). A preflight is answered here; every other answer gets its headers from the ones collected
 * before the route runs (answer-headers.ts).
 */
export function apiCORS(): MiddlewareHandler<Env> {
	return async (c, next) => {
		if (c.req.method === "OPTIONS") return new Response(null, { status: 204, headers: PREFLIGHT_HEADERS });
		const headers = answerHeadersOf(c);
		headers["access-control-allow-origin"] = "*";
		headers["access-control-expose-headers"] = EXPOSED_HEADERS;
		await next();
	};
}
