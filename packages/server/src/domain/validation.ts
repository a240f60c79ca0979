import type { z } from "zod";
import { LatchkeyError } from "./errors.ts";

function describeType(expected: string): string {
	if (expected === "array") return "an array";
	// Zod calls a JSON object a "record"; API callers know it as an object.
	if (expected === "record" || expected === "object") return "an object";
	return `a ${expected}`;
}

function describeIssue(field: string, issue: z.core.$ZodIssue): string {
	switch (issue.code) {
		case "invalid_type":
			if (issue.input === undefined) return `The ${field} field is required.`;
			if (issue.input === null) return `The ${field} must have a value.`;
			return `The ${field} must be ${describeType(issue.expected)}.`;
		case "too_big":
			return issue.origin === "string"
				? `The ${field} may not be greater than ${issue.maximum} characters.`
				: issue.origin === "array"
					? `The ${field} may not have more than ${issue.maximum} items.`
					: `The ${field} may not be greater than ${issue.maximum}.`;
		case "too_small":
			return issue.origin === "string" && issue.minimum === 1
				? `The ${field} field is required.`
				: issue.origin === "string"
					? `The ${field} must be at least ${issue.minimum} characters.`
					: `The ${field} must be at least ${issue.minimum}.`;
		case "invalid_value":
			return `The selected ${field} is invalid.`;
		default:
			return issue.message.startsWith("The ") ? issue.message : `The ${field} is invalid.`;
	}
}

/**
 * Parses untrusted input; on failure throws ERR_BAD_REQUEST with CometChat's `details` shape,
 * `{ field: ["The field field is required."] }`.
 */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
	// Zod 4 leaves `issue.input` out unless asked; describeIssue needs it to tell "missing" from "null" or "wrong type".
	const result = schema.safeParse(input, { reportInput: true });
	if (result.success) return result.data;
	const details: Record<string, string[]> = {};
	for (const issue of result.error.issues) {
		const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
		const messages = details[field] ?? [];
		messages.push(describeIssue(field, issue));
		details[field] = messages;
	}
	throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", details);
}
