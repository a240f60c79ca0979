import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { WebSocket } from "ws";
import { run as runDevCert } from "../src/cli/commands/dev-cert.ts";
import type { CommandContext } from "../src/cli/context.ts";
import { readConfig } from "../src/config.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { noEvents } from "../src/events/bus.ts";
import { type RunningServer, startServer } from "../src/serve.ts";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";
import { openTestStore } from "./stores.ts";

const WAIT_MS = 5_000;

interface CommandRun {
	code: number;
	stdout: string[];
	stderr: string[];
}

async function devCert(dataDir: string, args: string[]): Promise<CommandRun> {
	const stdout: string[] = [];
	const stderr: string[] = [];
	const context: CommandContext = {
		config: readConfig({ LATCHKEY_DATA_DIR: dataDir, PORT: "8443" }, process.cwd()),
		stdout: (line) => stdout.push(line),
		stderr: (line) => stderr.push(line),
		openDomain: () => Promise.reject(new Error("dev-cert needs no store")),
	};
	return { code: await runDevCert(args, context), stdout, stderr };
}

function httpsJSON(
	url: string,
	options: { ca?: Buffer; method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
	return new Promise((resolve, reject) => {
		const req = request(
			url,
			{ method: options.method ?? "GET", headers: options.headers, ...(options.ca && { ca: options.ca }) },
			(res) => {
				let raw = "";
				res.setEncoding("utf8");
				res.on("data", (chunk: string) => {
					raw += chunk;
				});
				res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(raw) as unknown }));
			},
		);
		req.setTimeout(WAIT_MS, () => req.destroy(new Error(`timed out: ${url}`)));
		req.on("error", reject);
		req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
	});
}

describe("dev-cert", () => {
	let dataDir: string;
	beforeAll(() => {
		dataDir = mkdtempSync(path.join(tmpdir(), "latchkey-dev-cert-"));
	});
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	test("writes cert and key (mode 0600) into the data dir and prints the env lines", async () => {
		const result = await devCert(dataDir, ["--json"]);
		expect(result.code).toBe(0);
		const certFile = path.join(dataDir, "dev-cert.pem");
		const keyFile = path.join(dataDir, "dev-key.pem");
		expect(JSON.parse(result.stdout.join("\n"))).toEqual({
			certFile,
			keyFile,
			days: 30,
			subjectAltNames: "DNS:localhost,IP:127.0.0.1,IP:::1",
			env: { LATCHKEY_TLS_CERT: certFile, LATCHKEY_TLS_KEY: keyFile, LATCHKEY_PUBLIC_URL: "https://127.0.0.1:8443" },
		});
		expect(statSync(keyFile).mode & 0o777).toBe(0o600);
		expect(readFileSync(certFile, "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);
		expect(readFileSync(keyFile, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
	});

	test("refuses to overwrite without --force (exit 1, error line on stderr)", async () => {
		const before = readFileSync(path.join(dataDir, "dev-cert.pem"), "utf8");
		const result = await devCert(dataDir, []);
		expect(result.code).toBe(1);
		expect(result.stdout).toEqual([]);
		expect(result.stderr).toEqual([
			`error: ERR_CERT_EXISTS: ${path.join(dataDir, "dev-cert.pem")} and ${path.join(dataDir, "dev-key.pem")} already exist; pass --force to replace them.`,
		]);
		expect(readFileSync(path.join(dataDir, "dev-cert.pem"), "utf8")).toBe(before);
	});

	test("--force replaces the pair; human output names the env lines", async () => {
		const before = readFileSync(path.join(dataDir, "dev-cert.pem"), "utf8");
		const result = await devCert(dataDir, ["--force"]);
		expect(result.code).toBe(0);
		expect(readFileSync(path.join(dataDir, "dev-cert.pem"), "utf8")).not.toBe(before);
		expect(result.stdout.join("\n")).toContain(
			`LATCHKEY_TLS_CERT=${path.join(dataDir, "dev-cert.pem")} LATCHKEY_TLS_KEY=${path.join(dataDir, "dev-key.pem")} LATCHKEY_PUBLIC_URL=https://127.0.0.1:8443`,
		);
	});
});

describe("HTTPS and WSS on one port", () => {
	let dataDir: string;
	let ca: Buffer;
	let store: KyselyStore;
	let seed: CreatedApp;
	let running: RunningServer;

	beforeAll(async () => {
		dataDir = mkdtempSync(path.join(tmpdir(), "latchkey-tls-"));
		expect((await devCert(dataDir, [])).code).toBe(0);
		ca = readFileSync(path.join(dataDir, "dev-cert.pem"));
		store = await openTestStore("sqlite");
		seed = await createLatchkeyApp({ store, clock: new ManualClock(), events: noEvents }, { name: "TLS" });
		const config = readConfig(
			{
				PORT: "0",
				LATCHKEY_LOG_LEVEL: "silent",
				LATCHKEY_TLS_CERT: path.join(dataDir, "dev-cert.pem"),
				LATCHKEY_TLS_KEY: path.join(dataDir, "dev-key.pem"),
			},
			process.cwd(),
		);
		running = await startServer({ config, store, clock: new ManualClock(), logger: pino({ level: "silent" }) });
	});
	afterAll(async () => {
		await running.close();
		await store.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	test("serves HTTPS with the configured certificate", async () => {
		expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
		expect(await httpsJSON(`${running.url}/healthz`, { ca })).toEqual({
			status: 200,
			body: { data: { status: "ok" } },
		});
	});

	test("a client that does not trust the certificate is refused", async () => {
		await expect(httpsJSON(`${running.url}/healthz`)).rejects.toThrow(/self[- ]signed/i);
	});

	test("the SDK's flow works over TLS: mint, PUT /me, then WSS auth and ping", async () => {
		const headers = { appid: seed.app.id, "content-type": "application/json", apikey: seed.authKey };
		const minted = (await httpsJSON(`${running.url}/v3.0/users/superhero1/auth_tokens`, {
			ca,
			method: "POST",
			headers,
			body: { platform: "WEB" },
		})) as { body: { data: { authToken: string } } };
		const token = minted.body.data.authToken;
		const me = (await httpsJSON(`${running.url}/v3.0/me`, {
			ca,
			method: "PUT",
			headers: { appid: seed.app.id, "content-type": "application/json", authtoken: token },
			body: { platform: "WEB", deviceId: "d" },
		})) as { body: { data: { jwt: string } } };
		const socket = new WebSocket(running.url.replace(/^https/, "wss"), { ca });
		const frames: unknown[] = [];
		const done = new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error("timed out waiting for auth + pong")), WAIT_MS);
			socket.on("error", reject);
			socket.on("open", () => {
				socket.send(
					JSON.stringify({ appId: seed.app.id, type: "auth", sender: "superhero1", body: { auth: me.body.data.jwt } }),
				);
			});
			socket.on("message", (data) => {
				frames.push(JSON.parse(data.toString()));
				if (frames.length === 1) socket.send(JSON.stringify({ action: "ping", ack: "true" }));
				if (frames.length === 2) {
					clearTimeout(timer);
					resolve();
				}
			});
		});
		await done;
		expect(frames).toEqual([
			{ appId: seed.app.id, type: "auth", sender: "superhero1", deviceId: null, body: { code: "200", status: "OK" } },
			{ action: "pong" },
		]);
		socket.close();
	});
});
