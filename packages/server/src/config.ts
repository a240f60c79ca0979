import path from "node:path";
import { DEFAULT_AUDIT_RETENTION_DAYS } from "./audit/retention.ts";
import { parseTokenEncryptionKey } from "./domain/token-cipher.ts";
import type { RateLimitOptions } from "./web/rate-limits.ts";

export interface Config {
	host: string;
	port: number;
	dataDir: string;
	publicURL: string;
	/** PostgreSQL when set; otherwise SQLite at `<dataDir>/latchkey.db`. */
	databaseURL: string | null;
	databasePoolSize: number;
	/**
	 * SQLite only. "full": a write is acknowledged once it is on disk (survives power loss). "normal": once it is
	 * in the operating system's cache (survives a crash of the process, not of the machine).
	 */
	sqliteSynchronous: "full" | "normal";
	tls: { certFile: string; keyFile: string } | null;
	logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
	/** The read path's caches; an absent field keeps the default written beside it in cache/read-cache.ts. */
	cache: {
		sessionCacheSize?: number;
		apiKeyCacheSize?: number;
		appCacheSize?: number;
		writeBehindIntervalMs?: number;
	};
	/** Connection caps and timeouts (issue 12); each default is in CONNECTION_VARIABLES below. */
	connections: ConnectionLimits;
	/**
	 * Whether a reverse proxy in front sets `X-Forwarded-For`; only then is its last entry taken as the client's
	 * address (the dashboard's sign-in throttle). Off by default: a client could write anything there.
	 */
	trustProxy: boolean;
	/**
	 * LATCHKEY_IDP_ALLOW_HTTP: identity providers may name an `http://` key set URL on a loopback host (local
	 * issuers, tests). Off by default: https only.
	 */
	identityProviderAllowHttp: boolean;
	/** Per-app caps; an absent field keeps the default written beside it in domain/quotas.ts. */
	quotas: {
		maxUsersPerApp?: number;
		maxAuthTokensPerApp?: number;
	};
	/** Per-minute rate limits; an absent field keeps the default written beside it in web/rate-limits.ts. */
	rateLimits: RateLimitOptions;
	/** LATCHKEY_METRICS_TOKEN: `/metrics` is served, to its bearer only, when set; null leaves metrics off. */
	metricsToken: string | null;
	/** LATCHKEY_TOKEN_ENCRYPTION_KEY (32 bytes): seals tokens of apps with retrievable storage; null: none may. */
	tokenEncryptionKey: Buffer | null;
	/**
	 * LATCHKEY_WEBHOOK_ALLOW_PRIVATE: webhooks may point at loopback, link-local and private addresses (a receiver on
	 * the same machine or network; tests). Off by default: such URLs are refused, and names resolving to them too.
	 */
	webhookAllowPrivate: boolean;
	/** LATCHKEY_AUDIT_RETENTION_DAYS: audit events older than this many days are deleted (issue 16). */
	auditRetentionDays: number;
	/**
	 * LATCHKEY_MANAGEMENT_KEY + LATCHKEY_MANAGEMENT_SECRET: the Management API (`/apps`) is served, to requests
	 * carrying both, when both are set; null leaves it off.
	 */
	management: ManagementCredentials | null;
}

/** The server-wide `key` + `secret` pair of the Management API, as CometChat's `apimgmt` host takes them. */
export interface ManagementCredentials {
	key: string;
	secret: string;
}

export interface ConnectionLimits {
	/** Longest a client may take to send a request's headers before the socket is closed. */
	headersTimeoutMs: number;
	/** Longest a client may take to send a whole request (headers and body). */
	requestTimeoutMs: number;
	/** How long an idle kept-alive connection stays open between requests. */
	keepAliveTimeoutMs: number;
	/** Realtime sockets from one address that have not (yet) authenticated. */
	maxUnauthenticatedSocketsPerIP: number;
	/** Realtime sockets on this node that have not (yet) authenticated, from all addresses. */
	maxUnauthenticatedSockets: number;
	/** Realtime sockets on this node, authenticated or not. */
	maxSockets: number;
	/** Authenticated realtime sockets of one user on this node. */
	maxSocketsPerUser: number;
}

/** A bad environment variable; its message names the variable. */
export class ConfigError extends Error {}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const SQLITE_SYNCHRONOUS_MODES = ["full", "normal"] as const;

const CACHE_VARIABLES: ReadonlyArray<readonly [string, keyof Config["cache"], number, number]> = [
	["LATCHKEY_SESSION_CACHE_SIZE", "sessionCacheSize", 1, 10_000_000],
	["LATCHKEY_API_KEY_CACHE_SIZE", "apiKeyCacheSize", 1, 1_000_000],
	["LATCHKEY_APP_CACHE_SIZE", "appCacheSize", 1, 1_000_000],
	["LATCHKEY_WRITE_BEHIND_INTERVAL_MS", "writeBehindIntervalMs", 10, 3_600_000],
];

/** Variable, field, default (in the field's unit), min, max. */
const CONNECTION_VARIABLES: ReadonlyArray<readonly [string, keyof ConnectionLimits, number, number, number]> = [
	["LATCHKEY_HEADERS_TIMEOUT_MS", "headersTimeoutMs", 10_000, 100, 600_000],
	["LATCHKEY_REQUEST_TIMEOUT_MS", "requestTimeoutMs", 30_000, 100, 600_000],
	["LATCHKEY_KEEP_ALIVE_TIMEOUT_MS", "keepAliveTimeoutMs", 5_000, 100, 600_000],
	["LATCHKEY_WS_MAX_UNAUTHENTICATED_PER_IP", "maxUnauthenticatedSocketsPerIP", 1_000, 1, 10_000_000],
	["LATCHKEY_WS_MAX_UNAUTHENTICATED", "maxUnauthenticatedSockets", 10_000, 1, 10_000_000],
	["LATCHKEY_WS_MAX_SOCKETS", "maxSockets", 100_000, 1, 10_000_000],
	["LATCHKEY_WS_MAX_SOCKETS_PER_USER", "maxSocketsPerUser", 100, 1, 10_000_000],
];

const QUOTA_VARIABLES: ReadonlyArray<readonly [string, keyof Config["quotas"], number, number]> = [
	["LATCHKEY_MAX_USERS_PER_APP", "maxUsersPerApp", 1, 1_000_000_000],
	["LATCHKEY_MAX_AUTH_TOKENS_PER_APP", "maxAuthTokensPerApp", 1, 1_000_000_000],
];

/** Variable, field, min, max; 0 turns a limit off. */
const RATE_LIMIT_VARIABLES: ReadonlyArray<readonly [string, keyof RateLimitOptions, number, number]> = [
	["LATCHKEY_RATE_LIMIT_APP_CORE_PER_MINUTE", "appCorePerMinute", 0, 1_000_000_000],
	["LATCHKEY_RATE_LIMIT_APP_STANDARD_PER_MINUTE", "appStandardPerMinute", 0, 1_000_000_000],
	["LATCHKEY_RATE_LIMIT_API_KEY_PER_MINUTE", "apiKeyPerMinute", 0, 1_000_000_000],
	["LATCHKEY_RATE_LIMIT_AUTH_KEY_LOGINS_PER_MINUTE", "authKeyLoginsPerMinute", 0, 1_000_000_000],
	["LATCHKEY_RATE_LIMIT_UID_LOGIN_POINTS_PER_MINUTE", "uidLoginPointsPerMinute", 0, 1_000_000_000],
	["LATCHKEY_RATE_LIMIT_FAILURE_POINTS", "failurePoints", 1, 1_000_000],
	["LATCHKEY_RATE_LIMIT_IP_FAILURES_PER_MINUTE", "ipFailuresPerMinute", 0, 1_000_000_000],
	["LATCHKEY_RATE_LIMIT_DATA_IMPORT_PER_MINUTE", "dataImportPerMinute", 0, 1_000_000_000],
];

function parseInteger(name: string, value: string, min: number, max: number): number {
	if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${name} must be a whole number, got "${value}"`);
	const parsed = Number(value.trim());
	if (parsed < min || parsed > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${parsed}`);
	return parsed;
}

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
	if (value === undefined || value.trim() === "") return fallback;
	const normalized = value.trim().toLowerCase();
	if (normalized === "true" || normalized === "1") return true;
	if (normalized === "false" || normalized === "0") return false;
	throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

/** A secret of one or two repeated characters is long but guessable; random hex has 16 distinct. */
const MIN_SECRET_DISTINCT_CHARACTERS = 10;

/**
 * The Management API's pair, or null when neither variable is set. Weak values stop start-up: the secret creates
 * and deletes apps, so it must be long and varied enough that guessing it (already slowed by the failure budget per
 * address) is hopeless.
 */
function parseManagementCredentials(key: string | undefined, secret: string | undefined): ManagementCredentials | null {
	if (!key && !secret) return null;
	if (!key || !secret) {
		throw new ConfigError("LATCHKEY_MANAGEMENT_KEY and LATCHKEY_MANAGEMENT_SECRET must be set together");
	}
	if (!/^[\x21-\x7e]{8,256}$/.test(key)) {
		throw new ConfigError("LATCHKEY_MANAGEMENT_KEY must be 8 to 256 printable characters without spaces");
	}
	if (!/^[\x21-\x7e]{32,512}$/.test(secret) || new Set(secret).size < MIN_SECRET_DISTINCT_CHARACTERS) {
		throw new ConfigError(
			`LATCHKEY_MANAGEMENT_SECRET must be 32 to 512 printable characters without spaces, at least ${MIN_SECRET_DISTINCT_CHARACTERS} of them different (e.g. openssl rand -hex 32)`,
		);
	}
	if (secret.includes(key))
		throw new ConfigError("LATCHKEY_MANAGEMENT_SECRET must not contain LATCHKEY_MANAGEMENT_KEY");
	return Object.freeze({ key, secret });
}

function parseURL(name: string, value: string, protocols: string[]): string {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw new ConfigError(`${name} must be a URL, got "${value}"`);
	}
	if (!protocols.includes(url.protocol)) throw new ConfigError(`${name} must start with ${protocols.join(" or ")}`);
	return value;
}

/**
 * Reads the environment once, validates it and returns a frozen Config. Any bad value is an Error whose
 * message names the variable; main.ts prints it and exits non-zero.
 */
export function readConfig(env: Record<string, string | undefined>, cwd: string): Readonly<Config> {
	const host = env.HOST?.trim() || "127.0.0.1";
	const port = env.PORT === undefined || env.PORT === "" ? 3000 : parseInteger("PORT", env.PORT, 0, 65535);
	const dataDir = path.resolve(cwd, env.LATCHKEY_DATA_DIR || ".latchkey");
	const certFile = env.LATCHKEY_TLS_CERT || null;
	const keyFile = env.LATCHKEY_TLS_KEY || null;
	if ((certFile === null) !== (keyFile === null)) {
		throw new ConfigError("LATCHKEY_TLS_CERT and LATCHKEY_TLS_KEY must be set together");
	}
	const tls =
		certFile && keyFile ? { certFile: path.resolve(cwd, certFile), keyFile: path.resolve(cwd, keyFile) } : null;
	const urlHost = host.includes(":") ? `[${host}]` : host;
	const publicURL = env.LATCHKEY_PUBLIC_URL
		? parseURL("LATCHKEY_PUBLIC_URL", env.LATCHKEY_PUBLIC_URL, ["http:", "https:"])
		: `${tls ? "https" : "http"}://${urlHost === "0.0.0.0" ? "127.0.0.1" : urlHost}:${port}`;
	const databaseURL = env.DATABASE_URL
		? parseURL("DATABASE_URL", env.DATABASE_URL, ["postgres:", "postgresql:"])
		: null;
	const databasePoolSize = env.LATCHKEY_DB_POOL_SIZE
		? parseInteger("LATCHKEY_DB_POOL_SIZE", env.LATCHKEY_DB_POOL_SIZE, 1, 1000)
		: 10;
	const sqliteSynchronous = (env.LATCHKEY_SQLITE_SYNCHRONOUS?.trim().toLowerCase() ||
		"full") as Config["sqliteSynchronous"];
	if (!SQLITE_SYNCHRONOUS_MODES.includes(sqliteSynchronous)) {
		throw new ConfigError(
			`LATCHKEY_SQLITE_SYNCHRONOUS must be one of ${SQLITE_SYNCHRONOUS_MODES.join(", ")}, got "${env.LATCHKEY_SQLITE_SYNCHRONOUS}"`,
		);
	}
	const logLevel = (env.LATCHKEY_LOG_LEVEL || "info") as Config["logLevel"];
	if (!LOG_LEVELS.includes(logLevel)) {
		throw new ConfigError(`LATCHKEY_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
	}
	const cache: Config["cache"] = {};
	for (const [name, field, min, max] of CACHE_VARIABLES) {
		const value = env[name];
		if (value !== undefined && value !== "") cache[field] = parseInteger(name, value, min, max);
	}
	const connections = {} as ConnectionLimits;
	for (const [name, field, fallback, min, max] of CONNECTION_VARIABLES) {
		const value = env[name];
		connections[field] = value !== undefined && value !== "" ? parseInteger(name, value, min, max) : fallback;
	}
	// Node refuses a header deadline longer than the whole-request deadline.
	if (connections.headersTimeoutMs > connections.requestTimeoutMs) {
		throw new ConfigError("LATCHKEY_HEADERS_TIMEOUT_MS must not be larger than LATCHKEY_REQUEST_TIMEOUT_MS");
	}
	const trustProxy = parseBoolean("LATCHKEY_TRUST_PROXY", env.LATCHKEY_TRUST_PROXY, false);
	const identityProviderAllowHttp = parseBoolean("LATCHKEY_IDP_ALLOW_HTTP", env.LATCHKEY_IDP_ALLOW_HTTP, false);
	const quotas: Config["quotas"] = {};
	for (const [name, field, min, max] of QUOTA_VARIABLES) {
		const value = env[name];
		if (value !== undefined && value !== "") quotas[field] = parseInteger(name, value, min, max);
	}
	const rateLimits: RateLimitOptions = {};
	for (const [name, field, min, max] of RATE_LIMIT_VARIABLES) {
		const value = env[name];
		if (value !== undefined && value !== "") rateLimits[field] = parseInteger(name, value, min, max);
	}
	const tokenEncryptionKeyText = env.LATCHKEY_TOKEN_ENCRYPTION_KEY || null;
	const tokenEncryptionKey = tokenEncryptionKeyText === null ? null : parseTokenEncryptionKey(tokenEncryptionKeyText);
	if (tokenEncryptionKeyText !== null && tokenEncryptionKey === null) {
		throw new ConfigError(
			"LATCHKEY_TOKEN_ENCRYPTION_KEY must be 32 bytes as 64 hex digits or base64 (e.g. openssl rand -hex 32)",
		);
	}
	const metricsToken = env.LATCHKEY_METRICS_TOKEN || null;
	if (metricsToken !== null && !/^[\x21-\x7e]{16,512}$/.test(metricsToken)) {
		throw new ConfigError(
			"LATCHKEY_METRICS_TOKEN must be 16 to 512 printable characters without spaces (e.g. openssl rand -hex 32)",
		);
	}
	const auditRetentionDays = env.LATCHKEY_AUDIT_RETENTION_DAYS
		? parseInteger("LATCHKEY_AUDIT_RETENTION_DAYS", env.LATCHKEY_AUDIT_RETENTION_DAYS, 1, 36_500)
		: DEFAULT_AUDIT_RETENTION_DAYS;
	const management = parseManagementCredentials(env.LATCHKEY_MANAGEMENT_KEY, env.LATCHKEY_MANAGEMENT_SECRET);
	const webhookAllowPrivate = parseBoolean("LATCHKEY_WEBHOOK_ALLOW_PRIVATE", env.LATCHKEY_WEBHOOK_ALLOW_PRIVATE, false);
	return Object.freeze({
		host,
		port,
		dataDir,
		publicURL,
		databaseURL,
		databasePoolSize,
		sqliteSynchronous,
		tls,
		logLevel,
		cache: Object.freeze(cache),
		connections: Object.freeze(connections),
		trustProxy,
		identityProviderAllowHttp,
		quotas: Object.freeze(quotas),
		rateLimits: Object.freeze(rateLimits),
		metricsToken,
		tokenEncryptionKey,
		auditRetentionDays,
		management,
		webhookAllowPrivate,
	});
}
