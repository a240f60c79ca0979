import autocannon from "autocannon";
import { readCommandCPUMilliseconds, readCPUMilliseconds, readMachineCPU } from "./processes.ts";

export interface LoadSettings {
	durationSeconds: number;
	warmupSeconds: number;
	connections: number;
}

/** What one measured run produced. Latencies are of 2xx answers only (autocannon's rule). */
export interface LoadResult {
	requests: number;
	durationSeconds: number;
	reqPerSec: number;
	p50Ms: number;
	p99Ms: number;
	/** Connection errors and timeouts. */
	errors: number;
	non2xx: number;
	/** Status code → count, to tell a 401 storm from a 500 one. */
	statusCodes: Record<string, number>;
	/** Cores the server process kept busy during the window. */
	serverCores: number;
	/** Cores the PostgreSQL server's processes kept busy (theirs, not ours, but part of the PostgreSQL rows). */
	postgresCores: number;
	/** Cores busy with anything else: neither server, load generator nor PostgreSQL (other jobs on the machine). */
	otherCores: number;
	/** The measured window on the monotonic clock V8 stamps CPU profiles with, to cut a profile to it. */
	window: { pid: number; startMicros: number; endMicros: number };
}

function monotonicMicros(): number {
	return Number(process.hrtime.bigint() / 1000n);
}

export interface LoadTarget {
	url: string;
	method?: "GET" | "POST" | "PUT" | "DELETE";
	headers?: Record<string, string>;
	body?: string;
	/** Called for every request; returns the request to send (a fresh uid, the next token…). */
	setupRequest?: (request: autocannon.Request) => autocannon.Request;
	/** The process answering, for its CPU share. */
	serverPid: number;
}

function buildRequest(target: LoadTarget): autocannon.Request {
	return {
		method: target.method ?? "GET",
		...(target.headers && { headers: target.headers }),
		...(target.body !== undefined && { body: target.body }),
		...(target.setupRequest && { setupRequest: target.setupRequest }),
	};
}

function runAutocannon(target: LoadTarget, connections: number, durationSeconds: number): Promise<autocannon.Result> {
	return autocannon({
		url: target.url,
		connections,
		duration: durationSeconds,
		requests: [buildRequest(target)],
		timeout: 10,
	});
}

/**
 * Sends one more request and waits for its answer. autocannon drops its connections when the warm-up ends, but
 * the server still works through what they sent; on a slow endpoint (a scrypt sign-in) that backlog would
 * otherwise eat into the measured window.
 */
async function drain(target: LoadTarget): Promise<void> {
	await autocannon({ url: target.url, connections: 1, amount: 1, requests: [buildRequest(target)], timeout: 60 });
}

/**
 * Warms the target up, then drives it with autocannon for the fixed duration and returns the figures, with
 * how much of the machine other jobs were using meanwhile (the noise on a shared machine).
 */
export async function measureLoad(target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
	if (settings.warmupSeconds > 0) {
		await runAutocannon(target, settings.connections, settings.warmupSeconds);
		await drain(target);
	}
	const machineBefore = readMachineCPU();
	const serverBefore = readCPUMilliseconds(target.serverPid);
	const postgresBefore = readCommandCPUMilliseconds("postgres");
	const selfBefore = process.cpuUsage();
	const started = performance.now();
	const startMicros = monotonicMicros();
	const result = await runAutocannon(target, settings.connections, settings.durationSeconds);
	const wallMs = performance.now() - started;
	const endMicros = monotonicMicros();
	const machineAfter = readMachineCPU();
	const serverMs = readCPUMilliseconds(target.serverPid) - serverBefore;
	const postgresMs = readCommandCPUMilliseconds("postgres") - postgresBefore;
	const self = process.cpuUsage(selfBefore);
	const selfMs = (self.user + self.system) / 1000;
	const busyMs = machineAfter.busyMs - machineBefore.busyMs;
	const statusCodes: Record<string, number> = {};
	for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
	const requests = result.requests.total;
	return {
		requests,
		durationSeconds: result.duration,
		reqPerSec: requests / result.duration,
		p50Ms: result.latency.p50,
		p99Ms: result.latency.p99,
		errors: result.errors,
		non2xx: result.non2xx,
		statusCodes,
		serverCores: serverMs / wallMs,
		postgresCores: postgresMs / wallMs,
		otherCores: Math.max(0, (busyMs - serverMs - selfMs - postgresMs) / wallMs),
		window: { pid: target.serverPid, startMicros, endMicros },
	};
}
