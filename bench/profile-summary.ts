import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ProfileEntry, ProfileSummary } from "./results.ts";

interface CPUProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CPUProfile {
	startTime: number;
	nodes: CPUProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

const TOP = 15;

/** Where a frame's time belongs: an npm package, one of our source files, or a V8/Node category. */
function moduleOf(url: string, functionName: string): string {
	if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
	if (url.startsWith("node:")) return "node internals";
	const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
	if (packageMatch?.[1]) return packageMatch[1];
	const ours = /\/(packages\/[^?]+)$/.exec(url.replace(/^file:\/\//, ""));
	return ours?.[1] ?? url;
}

function locationOf(frame: CPUProfileNode["callFrame"]): string {
	if (frame.url === "") return "";
	const file = frame.url
		.replace(/^file:\/\//, "")
		.replace(/^.*\/node_modules\//, "")
		.replace(/^.*\/(packages\/)/, "$1");
	return `${file}:${frame.lineNumber + 1}`;
}

function toEntries(selfMs: Map<string, { functionName: string; location: string; ms: number }>, totalMs: number) {
	return [...selfMs.values()]
		.sort((a, b) => b.ms - a.ms)
		.slice(0, TOP)
		.map(
			(entry): ProfileEntry => ({
				functionName: entry.functionName,
				location: entry.location,
				selfPercent: Math.round((entry.ms / totalMs) * 1000) / 10,
			}),
		);
}

/** Monotonic microseconds, the clock V8 stamps profiles with; only samples inside it count. */
export interface ProfileWindow {
	startMicros: number;
	endMicros: number;
}

/**
 * Self time per function and per module of one `--cpu-prof` profile, idle time left out; with a window, only
 * the samples taken inside it (one scenario's measured run, without start-up or other scenarios).
 */
export function summarizeProfile(file: string, label: string, window?: ProfileWindow): ProfileSummary {
	const profile = JSON.parse(readFileSync(file, "utf8")) as CPUProfile;
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const functions = new Map<string, { functionName: string; location: string; ms: number }>();
	const modules = new Map<string, { functionName: string; location: string; ms: number }>();
	let totalMs = 0;
	let timestamp = profile.startTime;
	profile.samples.forEach((id, index) => {
		const node = byId.get(id);
		const delta = profile.timeDeltas[index] ?? 0;
		timestamp += delta;
		if (window && (timestamp < window.startMicros || timestamp > window.endMicros)) return;
		const ms = delta / 1000;
		if (!node || node.callFrame.functionName === "(idle)") return;
		totalMs += ms;
		const frame = node.callFrame;
		const location = locationOf(frame);
		const functionName = frame.functionName || "(anonymous)";
		const key = `${functionName} ${location}`;
		const fn = functions.get(key) ?? { functionName, location, ms: 0 };
		fn.ms += ms;
		functions.set(key, fn);
		const moduleName = moduleOf(frame.url, frame.functionName);
		const mod = modules.get(moduleName) ?? { functionName: moduleName, location: "", ms: 0 };
		mod.ms += ms;
		modules.set(moduleName, mod);
	});
	return {
		label,
		file: path.basename(file),
		totalMs: Math.round(totalMs),
		topFunctions: toEntries(functions, totalMs),
		byModule: toEntries(modules, totalMs),
	};
}

/** The profile a process with this pid wrote into `directory` (Node's default name carries the pid). */
export function findProfile(directory: string, pid: number): string | null {
	const name = readdirSync(directory).find(
		(file) => file.endsWith(".cpuprofile") && file.split(".")[3] === String(pid),
	);
	return name ? path.join(directory, name) : null;
}
