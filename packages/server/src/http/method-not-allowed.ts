import type { Hono } from "hono";
import { LatchkeyError } from "../domain/errors.ts";
import type { Env } from "./context.ts";

/** Registers, after the real handlers of `path`, a catch-all answering 405 with an `Allow` header. */
export function refuseOtherMethods(router: Hono<Env>, path: string, allowed: string[]): void {
	router.all(path, (c) => {
		c.header("Allow", [...allowed, "OPTIONS"].join(", "));
		throw new LatchkeyError("ERR_METHOD_NOT_ALLOWED", `The method ${c.req.method} is not allowed on this endpoint.`, {
			allowed,
		});
	});
}
