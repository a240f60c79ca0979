import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runBench } from "./bench.ts";
import { REPO_ROOT } from "./processes.ts";
import { formatMarkdownReport, formatTerminalReport } from "./report.ts";
import type { BenchReport, HttpRow } from "./results.ts";
import { NOT_APPLICABLE_ON_SQLITE } from "./scenarios/cross-node.ts";

// Proves every scenario still runs end to end; the figures of a 2-second run on a shared CI machine mean
// nothing, so none is asserted (speed belongs in `npm run bench`).
const postgresURL = process.env.DATABASE_URL || null;
const DIALECTS = postgresURL ? ["sqlite", "postgres"] : ["sqlite"];
const REST = ["me", "login-auth-token", "login-auth-key", "rest-token", "create-user", "logout"];
const GROWTH = ["growth-me", "growth-login-auth-key"];
const realtimeExists = readdirSync(path.join(REPO_ROOT, "packages/server/src/realtime")).some((file) =>
	file.endsWith(".ts"),
);

let running: Promise<BenchReport> | null = null;
function smokeReport(): Promise<BenchReport> {
	running ??= runBench({ smoke: true, postgresURL });
	return running;
}

function expectClean(row: HttpRow | undefined): void {
	expect(row).toBeDefined();
	expect(row?.load.requests).toBeGreaterThan(0);
	expect({ errors: row?.load.errors, non2xx: row?.load.non2xx, codes: row?.load.statusCodes }).toEqual({
		errors: 0,
		non2xx: 0,
		codes: { "200": row?.load.requests },
	});
}

describe("npm run bench -- --smoke", () => {
	it("measures the bare node:http baseline", async () => {
		const report = await smokeReport();
		expectClean(report.baseline ?? undefined);
	});

	for (const dialect of DIALECTS) {
		for (const scenario of [...REST, ...GROWTH]) {
			it(`${scenario} on ${dialect} answers every request with 200`, async () => {
				const report = await smokeReport();
				expectClean(report.rows.find((row) => row.scenario === scenario && row.store === dialect));
			});
		}
	}

	it("growth runs only the 10k step in smoke mode", async () => {
		const report = await smokeReport();
		const steps = report.rows.filter((row) => row.scenario === "growth-me").map((row) => row.storedTokens);
		expect(steps).toEqual(DIALECTS.map(() => 10_000));
	});

	for (const scenario of ["peer-get-session", "peer-sign-in"]) {
		it(`better-auth ${scenario} answers every request with 200`, async () => {
			const report = await smokeReport();
			expectClean(report.rows.find((row) => row.scenario === scenario));
		});
	}

	it.runIf(realtimeExists)("authenticates 200 sockets and closes exactly the revoked ones with 4001", async () => {
		const report = await smokeReport();
		const sockets = report.sockets;
		expect(sockets && "skipped" in sockets ? sockets.skipped : null).toBeNull();
		if (!sockets || "skipped" in sockets) return;
		expect({
			authenticated: sockets.authenticated,
			closedWith4001: sockets.closedWith4001,
			unexpectedCloses: sockets.unexpectedCloses,
		}).toEqual({ authenticated: 200, closedWith4001: sockets.revoked, unexpectedCloses: 0 });
		expect(sockets.pongs).toBeGreaterThan(0);
	});

	it.runIf(realtimeExists)("spreads the sockets over 2 client processes and 2 source addresses", async () => {
		const report = await smokeReport();
		const sockets = report.sockets;
		if (!sockets || "skipped" in sockets) throw new Error("the socket scenario did not run");
		expect({ clients: sockets.clientProcesses, addresses: sockets.sourceAddresses }).toEqual({
			clients: 2,
			addresses: ["127.0.0.2", "127.0.0.3"],
		});
	});

	it.runIf(postgresURL)("cross-node: node B refuses every token revoked through node A", async () => {
		const report = await smokeReport();
		const crossNode = report.crossNode;
		if (!crossNode || "skipped" in crossNode) throw new Error(`cross-node did not run: ${JSON.stringify(crossNode)}`);
		expect({
			tokens: crossNode.tokens,
			cachedOnB: crossNode.cachedOnB,
			revoked: crossNode.revoked,
			stillAcceptedAtEnd: crossNode.stillAcceptedAtEnd,
			otherAnswers: crossNode.otherAnswers,
		}).toEqual({ tokens: 20, cachedOnB: 20, revoked: 20, stillAcceptedAtEnd: 0, otherAnswers: 0 });
	});

	it.runIf(!postgresURL)("cross-node is recorded as not applicable without PostgreSQL", async () => {
		const report = await smokeReport();
		expect(report.crossNode).toEqual({ skipped: NOT_APPLICABLE_ON_SQLITE });
	});

	it("renders the terminal and Markdown reports with every row", async () => {
		const report = await smokeReport();
		const markdown = formatMarkdownReport(report);
		const terminal = formatTerminalReport(report);
		for (const row of report.rows) {
			expect(markdown).toContain(row.title);
			expect(terminal).toContain(row.title);
		}
		expect(report.targets.map((target) => target.target)).toHaveLength(13);
	});
});
