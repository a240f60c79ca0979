import type { Context } from "hono";
import { LatchkeyError } from "../domain/errors.ts";
import { assertNotTooDeep } from "../domain/validation.ts";

/**
 * Reads a JSON object body; an empty body is `{}`. Malformed JSON, a non-object, or nesting deeper than
 * MAX_JSON_DEPTH (checked iteratively here, before any route walks it) is ERR_BAD_REQUEST.
 */
export async function readJSONBody(c: Context): Promise<Record<string, unknown>> {
	const text = await c.req.text();
	if (text.trim() === "") return {};
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new LatchkeyError("ERR_BAD_REQUEST", "The request body is not valid JSON.", {
			body: ["The request body must be valid JSON."],
		});
	}
	if (value === null || typeof value !== "object" || Array.isArray(value)) {
		throw new LatchkeyError("ERR_BAD_REQUEST", "The request body must be a JSON object.", {
			body: ["The request body must be a JSON object."],
		});
	}
	assertNotTooDeep(value);
	return value as Record<string, unknown>;
}
