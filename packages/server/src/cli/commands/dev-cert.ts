import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { CLIError, reportError, UsageError } from "../output.ts";

const run$ = promisify(execFile);

// The system binary, by absolute path: a PATH lookup could pick up something else.
const OPENSSL = "/usr/bin/openssl";
export const DEV_CERT_FILE = "dev-cert.pem";
export const DEV_KEY_FILE = "dev-key.pem";
const DEFAULT_DAYS = 30;
const SUBJECT_ALT_NAMES = "DNS:localhost,IP:127.0.0.1,IP:::1";

export const SPEC: CommandSpec = {
	name: "dev-cert",
	summary: "Write a self-signed certificate for localhost into the data dir (development only).",
	appScoped: false,
	actions: [
		{
			name: "",
			arguments: [],
			summary: `Write a self-signed certificate for localhost, 127.0.0.1 and ::1 into the data dir (${DEV_CERT_FILE}, ${DEV_KEY_FILE} mode 0600) with ${OPENSSL}, and print the variables that serve HTTPS and WSS with it. For development only (docs/tls.md).`,
			options: {
				force: { type: "boolean", description: "replace an existing certificate and key" },
				days: {
					type: "string",
					value: "N",
					description: `how long it is valid, 1-825 days (default: ${DEFAULT_DAYS})`,
				},
			},
		},
	],
};

function quoteForShell(value: string): string {
	return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

function parseDays(value: string | undefined): number {
	if (value === undefined) return DEFAULT_DAYS;
	const days = Number(value);
	if (!/^\d+$/.test(value) || days < 1 || days > 825)
		throw new UsageError("--days must be a whole number from 1 to 825", "latchkey dev-cert --help");
	return days;
}

function describeFailure(error: unknown): string {
	if (error instanceof Error && "code" in error && error.code === "ENOENT") return `${OPENSSL} was not found`;
	const stderr = error instanceof Error && "stderr" in error ? String(error.stderr).trim() : "";
	return stderr.split("\n").at(-1) || (error instanceof Error ? error.message : "openssl failed");
}

/**
 * `latchkey dev-cert [--force] [--days N] [--json]`: writes a self-signed certificate for localhost and
 * 127.0.0.1 into the data dir, for trying HTTPS/WSS locally (the official SDK only speaks https and wss).
 */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	const days = parseDays(invocation.string("days"));
	const dataDir = context.config.dataDir;
	const certFile = path.join(dataDir, DEV_CERT_FILE);
	const keyFile = path.join(dataDir, DEV_KEY_FILE);
	const existing = [certFile, keyFile].filter((file) => existsSync(file));
	if (existing.length > 0 && !invocation.flag("force")) {
		const what = existing.length === 1 ? `${existing[0]} already exists` : `${certFile} and ${keyFile} already exist`;
		return reportError(
			context,
			invocation.json,
			new CLIError("ERR_CERT_EXISTS", `${what}; pass --force to replace them.`),
		);
	}

	mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	// Written in a private scratch dir and renamed into place, so the key is never readable by others and a
	// failed run leaves the previous pair intact.
	const scratch = mkdtempSync(path.join(dataDir, ".dev-cert-"));
	try {
		const scratchKey = path.join(scratch, DEV_KEY_FILE);
		const scratchCert = path.join(scratch, DEV_CERT_FILE);
		await run$(OPENSSL, [
			"req",
			"-x509",
			"-newkey",
			"ec",
			"-pkeyopt",
			"ec_paramgen_curve:prime256v1",
			"-nodes",
			"-keyout",
			scratchKey,
			"-out",
			scratchCert,
			"-days",
			String(days),
			"-subj",
			"/CN=localhost",
			"-addext",
			`subjectAltName=${SUBJECT_ALT_NAMES}`,
		]);
		chmodSync(scratchKey, 0o600);
		renameSync(scratchKey, keyFile);
		renameSync(scratchCert, certFile);
	} catch (error) {
		const failure = new CLIError("ERR_OPENSSL_FAILED", `could not create the certificate: ${describeFailure(error)}`);
		return reportError(context, invocation.json, failure);
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}

	const env = {
		LATCHKEY_TLS_CERT: certFile,
		LATCHKEY_TLS_KEY: keyFile,
		LATCHKEY_PUBLIC_URL: `https://127.0.0.1:${context.config.port}`,
	};
	if (invocation.json) {
		context.stdout(JSON.stringify({ certFile, keyFile, days, subjectAltNames: SUBJECT_ALT_NAMES, env }, null, 2));
		return 0;
	}
	const line = Object.entries(env)
		.map(([name, value]) => `${name}=${quoteForShell(value)}`)
		.join(" ");
	context.stdout(`Wrote a self-signed development certificate for localhost, 127.0.0.1 and ::1 (${days} days):`);
	context.stdout(`  certificate  ${certFile}`);
	context.stdout(`  private key  ${keyFile} (mode 0600)`);
	context.stdout("Serve HTTPS and WSS with:");
	context.stdout(`  ${line} npm start`);
	context.stdout(`Node clients trust it with NODE_EXTRA_CA_CERTS=${quoteForShell(certFile)}; browsers will warn.`);
	context.stdout(
		"For development only: in production use a real certificate or a TLS-terminating proxy (docs/tls.md).",
	);
	return 0;
};
