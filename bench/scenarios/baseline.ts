import os from "node:os";
import { measureLoad } from "../load.ts";
import { readRSSBytes, startChild } from "../processes.ts";
import { createRow, type HttpRow } from "../results.ts";
import type { ScenarioContext } from "./context.ts";

/** The machine's own limit: a bare node:http server in a child process, driven exactly like every scenario. */
export async function runBaseline(context: ScenarioContext): Promise<HttpRow> {
	const server = await startChild({
		entry: "bench/children/bare-http-server.ts",
		env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir() },
		readyPattern: /ready port (\d+)/,
	});
	try {
		context.log("baseline node:http");
		const load = await measureLoad(
			{ url: `http://127.0.0.1:${server.ready}/`, serverPid: server.pid },
			context.settings,
		);
		return createRow(
			{
				scenario: "baseline",
				title: "bare node:http, small JSON body",
				system: "node:http",
				store: "none",
				load,
				serverRSSBytes: readRSSBytes(server.pid),
			},
			load,
		);
	} finally {
		await server.stop();
	}
}
