/**
 * Loads a module only when asked, by a specifier bundlers cannot see: browser builds then never try to
 * resolve `node:fs` or the optional `ws` peer.
 */
export async function importModule(specifier: string): Promise<unknown> {
	return await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
}
