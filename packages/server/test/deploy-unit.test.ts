import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

// The systemd unit docs/deploy.md ships (issue 13, item 9): valid to systemd, and naming only what exists.
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const UNIT = path.join(ROOT, "deploy/latchkey.service");
const SYSTEMD_ANALYZE = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((file) => existsSync(file));
if (!SYSTEMD_ANALYZE) console.log("[deploy-unit] systemd-analyze is missing: `systemd-analyze verify` is skipped");

function readSettings(text: string, key: string): string[] {
	return text
		.split("\n")
		.filter((line) => line.startsWith(`${key}=`))
		.map((line) => line.slice(key.length + 1));
}

describe("deploy/latchkey.service", () => {
	test.skipIf(!SYSTEMD_ANALYZE)("systemd-analyze verify accepts it without a warning", async () => {
		// Verified under its own name in a scratch directory: verify also reads the other units of the directory.
		const dir = await mkdtemp(path.join(tmpdir(), "latchkey-unit-"));
		try {
			await copyFile(UNIT, path.join(dir, "latchkey.service"));
			const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
				execFile(SYSTEMD_ANALYZE as string, ["verify", "./latchkey.service"], { cwd: dir }, (error, stdout, stderr) =>
					resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
				);
			});
			expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	test("it starts the built server as npm start does, with plain node", async () => {
		const unit = await readFile(UNIT, "utf8");
		const start = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")).scripts.start as string;
		expect(readSettings(unit, "ExecStart")).toEqual([start.replace(/^node /, "/usr/bin/node ")]);
	});

	test("every variable it sets is one docs/config.md documents", async () => {
		const unit = await readFile(UNIT, "utf8");
		const documented = await readFile(path.join(ROOT, "docs/config.md"), "utf8");
		const names = readSettings(unit, "Environment").map((setting) => setting.split("=")[0] ?? "");
		expect(names).toEqual(["HOST", "PORT", "LATCHKEY_DATA_DIR", "LATCHKEY_TRUST_PROXY"]);
		expect(names.filter((name) => !documented.includes(`| \`${name}\` |`))).toEqual([]);
	});
});
