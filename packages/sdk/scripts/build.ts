import { execFileSync } from "node:child_process";
import { cp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build } from "esbuild";

// Everything `package.json` "exports" names (docs: the package's README, "Files in the package"):
//   dist/index.js            ESM, for `import` and for browser bundlers (the `browser` condition)
//   dist/index.d.ts …        its declarations
//   dist/cjs/index.js        CommonJS, for `require`; dist/cjs/package.json says so to Node and to tsc
//   dist/cjs/index.d.ts …    the same declarations, read as CommonJS by tsc under `node16`
//   dist/chat-sdk.global.js  one minified script for a <script> tag: sets the global `CometChat`, as the
//                            official SDK's CometChat.js does
const GZIP_BUDGET_BYTES = 15 * 1024;
const GLOBAL_FILE = "chat-sdk.global.js";

// Built beside dist/ and swapped in at the end, so a build running at the same time as `npm pack`
// (the pack test, another checkout's prepare) never packs half a directory.
const out = `dist.tmp-${process.pid}`;
await rm(out, { recursive: true, force: true });

// Node built-ins and the optional `ws` peer stay imports; the SDK loads them only when asked
// (src/import-module.ts), so browser bundlers never resolve them.
const common: BuildOptions = {
	entryPoints: ["src/index.ts"],
	bundle: true,
	target: "es2022",
	sourcemap: true,
	external: ["ws", "node:*"],
	logLevel: "warning",
};
await build({ ...common, outfile: `${out}/index.js`, format: "esm", platform: "neutral" });
await build({ ...common, outfile: `${out}/cjs/index.js`, format: "cjs", platform: "node" });
await writeFile(`${out}/cjs/package.json`, `${JSON.stringify({ type: "commonjs" })}\n`);
await build({
	...common,
	entryPoints: undefined,
	stdin: {
		contents: 'import { CometChat } from "./src/index.ts";\nglobalThis.CometChat = CometChat;\n',
		resolveDir: ".",
		sourcefile: "chat-sdk.global.ts",
		loader: "ts",
	},
	outfile: `${out}/${GLOBAL_FILE}`,
	format: "iife",
	platform: "browser",
	minify: true,
});

// Declarations from tsc; their relative imports are rewritten to the `.js` names consumers resolve.
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", out], { stdio: "inherit" });
for (const name of await readdir(out)) {
	if (!name.endsWith(".d.ts")) continue;
	const text = await readFile(`${out}/${name}`, "utf8");
	await writeFile(`${out}/${name}`, text.replace(/(from "\.\/[a-z-]+)\.ts"/g, '$1.js"'));
	await cp(`${out}/${name}`, `${out}/cjs/${name}`);
}

await rm("dist", { recursive: true, force: true });
await rename(out, "dist");

const code = await readFile(`dist/${GLOBAL_FILE}`);
const gzipped = gzipSync(code, { level: 9 }).length;
console.log(`dist/${GLOBAL_FILE}: ${code.length} bytes, ${gzipped} bytes gzipped (budget ${GZIP_BUDGET_BYTES})`);
if (gzipped > GZIP_BUDGET_BYTES) {
	console.error("The gzipped bundle is over its budget.");
	process.exitCode = 1;
}
