import { execFileSync } from "node:child_process";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const GZIP_BUDGET_BYTES = 15 * 1024;

await rm("dist", { recursive: true, force: true });

// One minified ESM file for browsers and Node; Node built-ins and the optional `ws` peer stay imports.
await build({
	entryPoints: ["src/index.ts"],
	outfile: "dist/index.js",
	bundle: true,
	minify: true,
	format: "esm",
	platform: "neutral",
	target: "es2022",
	sourcemap: true,
	external: ["ws", "node:*"],
	logLevel: "warning",
});

// Declarations from tsc; their relative imports are rewritten to the `.js` names consumers resolve.
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
for (const name of await readdir("dist")) {
	if (!name.endsWith(".d.ts")) continue;
	const path = `dist/${name}`;
	const text = await readFile(path, "utf8");
	await writeFile(path, text.replace(/(from "\.\/[a-z-]+)\.ts"/g, '$1.js"'));
}

const code = await readFile("dist/index.js");
const gzipped = gzipSync(code, { level: 9 }).length;
console.log(`dist/index.js: ${code.length} bytes, ${gzipped} bytes gzipped (budget ${GZIP_BUDGET_BYTES})`);
if (gzipped > GZIP_BUDGET_BYTES) {
	console.error("The gzipped bundle is over its budget.");
	process.exitCode = 1;
}
