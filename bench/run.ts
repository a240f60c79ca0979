import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { runBench } from "./bench.ts";
import { serverSettingsFromEnv } from "./latchkey-server.ts";
import { REPO_ROOT } from "./processes.ts";
import { formatMarkdownReport, formatTerminalReport } from "./report.ts";
import { isScenarioId, SCENARIOS, type ScenarioId } from "./scenarios/ids.ts";

const USAGE = `usage: npm run bench -- [--duration <seconds>] [--connections <n>] [--sockets <n>] [--only <scenario>]... [--smoke] [--profile] [--server-flag <node flag>]... [--no-write]
scenarios: ${SCENARIOS.join(", ")} (the bare node:http baseline always runs)
LATCHKEY_* variables of this environment are passed to every Latchkey server the bench starts.`;

function parsePositive(name: string, value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const parsed = Number(value);
	if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
	return parsed;
}

function parseOptions() {
	return parseArgs({
		options: {
			duration: { type: "string" },
			connections: { type: "string" },
			sockets: { type: "string" },
			only: { type: "string", multiple: true },
			smoke: { type: "boolean", default: false },
			profile: { type: "boolean", default: false },
			"server-flag": { type: "string", multiple: true },
			"no-write": { type: "boolean", default: false },
			help: { type: "boolean", default: false },
		},
	});
}

async function main(): Promise<number> {
	let values: ReturnType<typeof parseOptions>["values"];
	try {
		values = parseOptions().values;
	} catch (error) {
		console.error(`error: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
		return 2;
	}
	if (values.help) {
		console.log(USAGE);
		return 0;
	}
	const only = (values.only ?? []).flatMap((value) => value.split(","));
	const unknown = only.filter((value) => !isScenarioId(value));
	if (unknown.length > 0) {
		console.error(`error: unknown scenario ${unknown.join(", ")}\n${USAGE}`);
		return 2;
	}
	const stamp = new Date().toISOString().replace(/:/g, "-").replace(/\..+$/, "Z");
	const resultsDir = path.join(REPO_ROOT, "bench", "results");
	const durationSeconds = parsePositive("duration", values.duration);
	const connections = parsePositive("connections", values.connections);
	const sockets = parsePositive("sockets", values.sockets);
	const passed = Object.keys(serverSettingsFromEnv());
	if (passed.length > 0) console.error(`server settings from the environment: ${passed.join(", ")}`);
	const report = await runBench({
		...(durationSeconds !== undefined && { durationSeconds }),
		...(connections !== undefined && { connections: Math.round(connections) }),
		...(sockets !== undefined && { sockets: Math.round(sockets) }),
		only: only as ScenarioId[],
		smoke: values.smoke,
		postgresURL: process.env.DATABASE_URL || null,
		serverFlags: values["server-flag"] ?? [],
		profileDir: values.profile ? path.join(resultsDir, `profiles-${stamp}`) : null,
		log: (line) => console.error(`[bench] ${line}`),
	});
	console.log(formatTerminalReport(report));
	if (!values["no-write"] && !values.smoke) {
		mkdirSync(resultsDir, { recursive: true });
		const base = path.join(resultsDir, stamp);
		writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
		writeFileSync(`${base}.md`, formatMarkdownReport(report));
		console.log(`\nwritten: ${path.relative(process.cwd(), `${base}.json`)} and .md`);
	}
	return 0;
}

process.exitCode = await main();
