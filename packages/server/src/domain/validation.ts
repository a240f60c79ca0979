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

/** Paths of the strings (values or keys) holding U+0000, which PostgreSQL text cannot store. */
function findNulStrings(value: unknown, path: string[], found: string[]): void {
	if (typeof value === "string") {
		if (value.includes("\u0000")) found.push(path.length > 0 ? path.join(".") : "body");
	} else if (Array.isArray(value)) {
		for (const [index, item] of value.entries()) findNulStrings(item, [...path, String(index)], found);
	} else if (value !== null && typeof value === "object") {
		for (const [key, item] of Object.entries(value)) {
			if (key.includes("\u0000")) found.push([...path, "(key)"].join("."));
			findNulStrings(item, [...path, key], found);
		}
	}
}

/**
 * Parses untrusted input; on failure throws ERR_BAD_REQUEST with CometChat's `details` shape,
 * `{ field: ["The field field is required."] }`.
 */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
	// Zod 4 leaves `issue.input` out unless asked; describeIssue needs it to tell "missing" from "null" or "wrong type".
	const result = schema.safeParse(input, { reportInput: true });
	const details: Record<string, string[]> = {};
	if (result.success) {
		const nulPaths: string[] = [];
		findNulStrings(result.data, [], nulPaths);
		if (nulPaths.length === 0) return result.data;
		for (const field of nulPaths) details[field] = [`The ${field} may not contain NUL characters.`];
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", details);
	}
	for (const issue of result.error.issues) {
		const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
		const messages = details[field] ?? [];
		messages.push(describeIssue(field, issue));
		details[field] = messages;
	}
	throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", details);
}
