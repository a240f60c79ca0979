import { readConfig } from "./config.ts";
import { runServer } from "./run-server.ts";

// The only file that reads process.env: everything below gets a frozen Config.
try {
	const config = readConfig(process.env, process.cwd());
	process.exitCode = await runServer(config, {
		log: (line) => console.log(line),
		error: (line) => console.error(line),
		terminal: process.stdout.isTTY === true,
	});
} catch (error) {
	console.error(`latchkey: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
}
