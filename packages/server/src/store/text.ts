/**
 * PostgreSQL text cannot hold U+0000 and fails the whole query on it; SQLite stores it. No stored key can
 * contain one, so a lookup by such a value finds nothing on either dialect instead of erroring on one.
 */
export function holdsNul(...values: Array<string | undefined>): boolean {
	return values.some((value) => value?.includes("\u0000") === true);
}

/** Escapes LIKE's wildcards; every LIKE here says `escape '\'`. */
export function escapeLike(value: string): string {
	return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
