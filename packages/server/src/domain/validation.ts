import type { z } from "zod";
import { LatchkeyError } from "./errors.ts";

function describeType(expected: string): string {
	if (expected === "array") return "an array";
	// Zod 4 reports a fractional number given to `.int()` as expecting "int".
	if (expected === "int") return "a whole number";
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

/** How deep JSON input may nest (the body object is level 1); deeper input is refused before any walk. */
export const MAX_JSON_DEPTH = 32;

/**
 * The top-level field under which `value` nests deeper than `maxDepth` levels ("body" when the value itself
 * does), or null. Iterative, so no input can overflow the stack, and it stops at the first excess.
 */
function findTooDeepField(value: unknown, maxDepth: number = MAX_JSON_DEPTH): string | null {
	const stack: Array<{ value: unknown; depth: number; field: string }> = [{ value, depth: 1, field: "body" }];
	for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
		if (next.value === null || typeof next.value !== "object") continue;
		if (next.depth > maxDepth) return next.field;
		const top = next.depth === 1;
		const entries = Array.isArray(next.value) ? next.value.entries() : Object.entries(next.value);
		for (const [key, item] of entries) {
			if (item !== null && typeof item === "object") {
				stack.push({ value: item, depth: next.depth + 1, field: top ? String(key) : next.field });
			}
		}
	}
	return null;
}

// Roots already found shallow enough: an HTTP body is checked where it is read and again in parseInput, and the
// second check must not walk it again.
const shallowEnough = new WeakSet<object>();

/**
 * Throws ERR_BAD_REQUEST, naming the top-level field, when `value` nests deeper than MAX_JSON_DEPTH. Walks a
 * given object once, however many times it is asked.
 */
export function assertNotTooDeep(value: unknown): void {
	if (value === null || typeof value !== "object" || shallowEnough.has(value)) return;
	const field = findTooDeepField(value);
	if (field !== null) {
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			[field]: [`The ${field} may not be nested more than ${MAX_JSON_DEPTH} levels deep.`],
		});
	}
	shallowEnough.add(value);
}

/** A path segment linked to its parent, so walking costs one object per value, never a copy of the path. */
interface PathLink {
	parent: PathLink | null;
	segment: string;
}

function joinPath(link: PathLink | null): string {
	const segments: string[] = [];
	for (let at = link; at !== null; at = at.parent) segments.push(at.segment);
	return segments.length > 0 ? segments.reverse().join(".") : "body";
}

/** Paths of the strings (values or keys) holding U+0000, which PostgreSQL text cannot store. Iterative, linear. */
function findNulStrings(root: unknown): string[] {
	const found: string[] = [];
	const stack: Array<{ value: unknown; path: PathLink | null }> = [{ value: root, path: null }];
	for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
		const { value, path } = next;
		if (typeof value === "string") {
			if (value.includes("\u0000")) found.push(joinPath(path));
		} else if (Array.isArray(value)) {
			for (let index = value.length - 1; index >= 0; index--) {
				stack.push({ value: value[index], path: { parent: path, segment: String(index) } });
			}
		} else if (value !== null && typeof value === "object") {
			const entries = Object.entries(value);
			for (let index = entries.length - 1; index >= 0; index--) {
				const [key, item] = entries[index] as [string, unknown];
				if (key.includes("\u0000")) found.push(joinPath({ parent: path, segment: "(key)" }));
				stack.push({ value: item, path: { parent: path, segment: key } });
			}
		}
	}
	return found;
}

/**
 * Parses untrusted input; on failure throws ERR_BAD_REQUEST with CometChat's `details` shape,
 * `{ field: ["The field field is required."] }`.
 */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
	// Bodies read over HTTP were checked already (http/body.ts) and are not walked again; this covers every other caller.
	assertNotTooDeep(input);
	// Zod 4 leaves `issue.input` out unless asked; describeIssue needs it to tell "missing" from "null" or "wrong type".
	const result = schema.safeParse(input, { reportInput: true });
	const details: Record<string, string[]> = {};
	if (result.success) {
		const nulPaths = findNulStrings(result.data);
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
