import type { BenchReport, HttpRow, TargetCheck } from "./results.ts";

function findRow(report: BenchReport, scenario: string, store: string, storedTokens?: number): HttpRow | null {
	const rows = report.rows.filter((row) => row.scenario === scenario && row.store === store);
	if (storedTokens === undefined) return rows[0] ?? null;
	return rows.find((row) => row.storedTokens === storedTokens) ?? null;
}

function times(value: number): string {
	return `${value.toFixed(2)}×`;
}

function check(target: string, value: number | null, meets: (value: number) => boolean, show: string): TargetCheck {
	if (value === null || !Number.isFinite(value)) return { target, actual: "not measured", met: null };
	return { target, actual: show, met: meets(value) };
}

/** The figures the project committed to (docs/performance.md), checked against this run. Nothing asserts them. */
export function checkTargets(report: BenchReport): TargetCheck[] {
	const me = findRow(report, "me", "sqlite");
	const login = findRow(report, "login-auth-key", "sqlite");
	const pgMe = findRow(report, "me", "postgres");
	const small = findRow(report, "growth-me", "sqlite", 10_000);
	const large = findRow(report, "growth-me", "sqlite", 1_000_000);
	const peer = report.rows.find((row) => row.scenario === "peer-get-session") ?? null;
	const sockets = report.sockets && "sockets" in report.sockets ? report.sockets : null;
	const growth = small && large ? large.load.reqPerSec / small.load.reqPerSec : null;
	const versusPeer = me && peer ? me.load.reqPerSec / peer.load.reqPerSec : null;
	const fullSockets = sockets && sockets.sockets >= 10_000 ? sockets : null;
	return [
		check("authenticated call ≥ 0.6 × bare node:http", me?.ratio ?? null, (v) => v >= 0.6, times(me?.ratio ?? 0)),
		check(
			"authenticated call p99 ≤ 2 × baseline p99",
			me?.p99Ratio ?? null,
			(v) => v <= 2,
			`${me?.load.p99Ms} ms vs ${report.baseline?.load.p99Ms} ms (${times(me?.p99Ratio ?? 0)})`,
		),
		check("Auth Key login ≥ 0.25 × bare node:http", login?.ratio ?? null, (v) => v >= 0.25, times(login?.ratio ?? 0)),
		check(
			"authenticated call at 1M tokens within 10% of 10k",
			growth,
			(v) => v >= 0.9,
			`${Math.round(large?.load.reqPerSec ?? 0)} vs ${Math.round(small?.load.reqPerSec ?? 0)} req/s (${times(growth ?? 0)})`,
		),
		check("PostgreSQL authenticated call ≥ 0.3 × bare", pgMe?.ratio ?? null, (v) => v >= 0.3, times(pgMe?.ratio ?? 0)),
		check("authenticated call ≥ 20 × better-auth get-session", versusPeer, (v) => v >= 20, times(versusPeer ?? 0)),
		check(
			"10k sockets under 400 MB server RSS",
			fullSockets ? fullSockets.idleRSSBytes : null,
			(v) => v < 400 * 1024 * 1024,
			`${((fullSockets?.idleRSSBytes ?? 0) / 1024 / 1024).toFixed(0)} MB`,
		),
		check(
			"revocation-to-close p99 < 100 ms",
			sockets ? sockets.closeP99Ms : null,
			(v) => v < 100,
			`${sockets?.closeP99Ms.toFixed(1)} ms`,
		),
	];
}
