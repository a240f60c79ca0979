import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDeployment } from "../latchkey-server.ts";
import { REPO_ROOT, readRSSBytes } from "../processes.ts";
import type { ScenarioContext } from "./context.ts";

/** Issue 18's target: 100,000 users from NDJSON in under 30 s on SQLite. */
const USERS = 100_000;
const SMOKE_USERS = 2_000;
const TARGET_SECONDS = 30;
const RSS_SAMPLE_MS = 100;
/** The built CLI, as `latchkey` runs it (bin/latchkey.js loads this file). */
const CLI_ENTRY = path.join(REPO_ROOT, "packages/server/bin/latchkey.js");

/** An NDJSON file of `count` users with every field a migration would bring, written as a stream. */
async function writeUsersFile(file: string, count: number): Promise<void> {
	const out = createWriteStream(file);
	for (let i = 0; i < count; i++) {
		const user = {
			uid: `imported_${i}`,
			name: `Imported User ${i}`,
			avatar: `https://example.test/avatars/${i}.png`,
			role: i % 10 === 0 ? "moderator" : "default",
			metadata: { plan: "free", legacyId: i },
			tags: ["imported"],
			createdAt: 1_673_421_419 + i,
		};
		if (!out.write(`${JSON.stringify(user)}\n`)) await once(out, "drain");
	}
	out.end();
	await once(out, "finish");
}

interface ImportRun {
	seconds: number;
	created: number;
	rejected: number;
	peakRSSBytes: number;
}

/** Runs `latchkey users import FILE --json` in a child process, sampling its RSS while it runs. */
async function runImport(dataDir: string, file: string, appId: string): Promise<ImportRun> {
	const started = performance.now();
	const child = spawn(process.execPath, [CLI_ENTRY, "users", "import", file, "--app", appId, "--json"], {
		env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), LATCHKEY_DATA_DIR: dataDir },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	child.stderr.on("data", (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	let peakRSSBytes = 0;
	const sampler = setInterval(() => {
		try {
			if (child.pid !== undefined) peakRSSBytes = Math.max(peakRSSBytes, readRSSBytes(child.pid));
		} catch {
			// Gone between two samples.
		}
	}, RSS_SAMPLE_MS);
	const [code] = (await once(child, "exit")) as [number | null];
	clearInterval(sampler);
	const seconds = (performance.now() - started) / 1000;
	if (code !== 0) throw new Error(`latchkey users import exited ${code}: ${stderr || stdout}`);
	const summary = JSON.parse(stdout) as { created: number; rejected: unknown[] };
	return { seconds, created: summary.created, rejected: summary.rejected.length, peakRSSBytes };
}

/**
 * `import-100k`: a fresh SQLite deployment, a generated NDJSON file of 100,000 users, and the wall time of the CLI
 * import (process start to exit, so start-up and the final fsync count). Reported as a note of the run.
 */
export async function runImportScenario(context: ScenarioContext): Promise<void> {
	if (!context.isSelected("import-100k")) return;
	const users = context.smoke ? SMOKE_USERS : USERS;
	const deployment = await createDeployment("sqlite", { serverFlags: context.serverFlags });
	try {
		// Starting the server once builds packages/server/dist, which the CLI runs, from the current sources.
		await deployment.start();
		await deployment.stop();
		const file = path.join(deployment.dataDir, "users.ndjson");
		await writeUsersFile(file, users);
		context.log(`import-100k: ${users} users written, importing`);
		const run = await runImport(deployment.dataDir, file, deployment.credentials.appId);
		if (run.created !== users || run.rejected !== 0) {
			throw new Error(`import-100k created ${run.created} of ${users} users, rejected ${run.rejected}`);
		}
		const perSecond = Math.round(users / run.seconds);
		const verdict = context.smoke
			? ""
			: run.seconds < TARGET_SECONDS
				? ", target < 30 s met"
				: ", target < 30 s MISSED";
		context.note(
			`import-100k (SQLite, CLI \`latchkey users import\`): ${users} users from NDJSON in ${run.seconds.toFixed(1)} s (${perSecond} users/s, process start to exit), peak CLI RSS ${Math.round(run.peakRSSBytes / 1024 / 1024)} MB${verdict}.`,
		);
	} finally {
		await deployment.destroy();
	}
}
