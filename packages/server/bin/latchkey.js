#!/usr/bin/env node
// The `latchkey` command runs the built CLI (dist/, plain JavaScript). `npm start` and `npm run build` keep that
// build current; a checkout that was never built (e.g. installed with --ignore-scripts) is built here, once.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";

const CLI = new URL("../dist/cli/main.js", import.meta.url);

if (!existsSync(CLI)) {
	console.error("latchkey: packages/server/dist is missing; building it (npm run build)…");
	const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
	const project = fileURLToPath(new URL("../tsconfig.build.json", import.meta.url));
	// The compiler's output goes to stderr so that `--json` output on stdout stays parseable.
	const build = spawnSync(process.execPath, [tsc, "-p", project], { stdio: ["ignore", 2, 2] });
	if (build.status !== 0) {
		console.error("error: ERR_BUILD_FAILED: building packages/server failed (see above)");
		process.exit(1);
	}
}

/** A yes/no question on the terminal (prompt on stderr, so stdout stays the command's output); "y" or "yes" is yes. */
async function confirm(question) {
	const prompt = createInterface({ input: process.stdin, output: process.stderr });
	try {
		return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
	} finally {
		prompt.close();
	}
}

const { runCLI } = await import(CLI.href);
process.exitCode = await runCLI(process.argv.slice(2), {
	env: process.env,
	cwd: process.cwd(),
	stdout: (line) => console.log(line),
	stderr: (line) => console.error(line),
	// Only a person at a terminal is asked; a script gets a refusal and must pass --yes.
	...(process.stdin.isTTY && process.stderr.isTTY && { confirm }),
});
