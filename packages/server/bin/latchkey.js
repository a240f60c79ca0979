#!/usr/bin/env node
// The `latchkey` command: TypeScript sources run through tsx, no build step.
import { register } from "tsx/esm/api";

register();
const { runCLI } = await import("../src/cli/main.ts");
process.exitCode = await runCLI(process.argv.slice(2), {
	env: process.env,
	cwd: process.cwd(),
	stdout: (line) => console.log(line),
	stderr: (line) => console.error(line),
});
