import type { Context, Hono } from "hono";
import { LatchkeyError } from "../domain/errors.ts";
import type { Env } from "./context.ts";

/** The 405 of a resource that answers only `allowed`, with its `Allow` header set. */
export function methodNotAllowed(c: Context, allowed: string[]): LatchkeyError {
	c.header("Allow", [...allowed, "OPTIONS"].join(", "));
	return new LatchkeyError("ERR_METHOD_NOT_ALLOWED", `The method ${c.req.method} is not allowed on this endpoint.`, {
		allowed,
	});
}

/** Registers, after the real handlers of `path`, a catch-all answering 405 with an `Allow` header. */
export function refuseOtherMethods(router: Hono<Env>, path: string, allowed: string[]): void {
	router.all(path, (c) => {
		throw methodNotAllowed(c, allowed);
	});
}
