import { LatchkeyError } from "../domain/errors.ts";

/** Query-string parsing shared by the list routes; CometChat's names, plus the SDK's `per_page`. */

export function parseBooleanParam(value: string | undefined): boolean {
	return value === "true" || value === "1";
}

/** How many items a list parameter may name: each becomes a term of one SQL expression. */
export const MAX_LIST_PARAM_ITEMS = 100;

/**
 * `a,b` and repeated `name=a&name=b` (also `name[]=`) both give ["a", "b"]. More than MAX_LIST_PARAM_ITEMS
 * items is ERR_BAD_REQUEST naming the parameter.
 */
export function parseListParam(name: string, values: string[] | undefined): string[] | undefined {
	if (!values || values.length === 0) return undefined;
	const items = values
		.flatMap((value) => value.split(","))
		.map((item) => item.trim())
		.filter(Boolean);
	if (items.length > MAX_LIST_PARAM_ITEMS) {
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			[name]: [`The ${name} may not have more than ${MAX_LIST_PARAM_ITEMS} items.`],
		});
	}
	return items.length > 0 ? items : undefined;
}

function parsePositiveInteger(name: string, value: string | undefined, fallback: number, max: number): number {
	if (value === undefined || value === "") return fallback;
	if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			[name]: [`The ${name} must be an integer between 1 and ${max}.`],
		});
	}
	return Number(value);
}

export interface PageParams {
	perPage: number;
	page: number;
	limit: number;
	offset: number;
}

export function parsePageParams(query: (name: string) => string | undefined, maxPerPage: number): PageParams {
	const perPage = parsePositiveInteger("perPage", query("perPage") ?? query("per_page"), 100, maxPerPage);
	const page = parsePositiveInteger("page", query("page"), 1, 1_000_000);
	return { perPage, page, limit: perPage, offset: (page - 1) * perPage };
}
