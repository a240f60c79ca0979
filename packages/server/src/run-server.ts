import pino from "pino";
import { ensureFirstApp, formatCredentials, prepareDataDir } from "./bootstrap.ts";
import { type Config, ConfigError } from "./config.ts";
import { ensureSetupLink } from "./dashboard/setup-link.ts";
import { systemClock } from "./domain/clock.ts";
import { securityOf } from "./domain/security.ts";
import { createLocalEventBus, type EventBus } from "./events/bus.ts";
import { type ForeignWriteWatcher, watchForeignWrites } from "./events/foreign-writes.ts";
import { createPostgresEventBus } from "./events/postgres-bus.ts";
import { createLogger } from "./logger.ts";
import { openStore } from "./open-store.ts";
import { startServer } from "./serve.ts";
import { createPostgresLimiterFactory } from "./store/rate-limit-counters.ts";
import type { Store } from "./store/store.ts";

/** How often each node re-checks its live sockets against the store: the safety net behind the bus. */
const RECONCILE_INTERVAL_MS = 30_000;
/** SQLite: how often the server looks for commits by another process (the CLI), which it then treats as a resync. */
const FOREIGN_WRITE_CHECK_MS = 250;

/** Marks the one-time block of secrets when it goes to stderr, so a log collector's reader knows what it holds. */
export const SECRETS_MARKER = "LATCHKEY FIRST-START SECRETS (shown once; also in credentials.json)";

/** Where the human lines go. `terminal` says stdout is a TTY: only then are secrets printed beside the log. */
export interface ServerOutput {
	log(line: string): void;
	/** stderr: the first start's secrets go here, once, when stdout is not a terminal. */
	error(line: string): void;
	terminal: boolean;
}

/**
 * Everything `npm start` and `latchkey serve` do: prepare the data dir, migrate, create the first app on a
 * fresh install, listen, and shut down cleanly on SIGTERM/SIGINT. Resolves with the exit code.
 */
export async function runServer(config: Readonly<Config>, output: ServerOutput): Promise<number> {
	// Log lines (the access log above all) are written asynchronously, off the request's path; pino flushes them
	// when the process exits.
	const logger = createLogger(config.logLevel, pino.destination({ dest: 1, sync: false }));
	// Also on PostgreSQL: credentials.json and dev certificates live there.
	prepareDataDir(config.dataDir);
	const store = await openStore(config);
	await refuseRetrievableWithoutKey(config, store);
	// On PostgreSQL, change events reach every node through LISTEN/NOTIFY. On SQLite there is one node, and the
	// writes of another process (the CLI) are noticed by the watcher below and announced as a resync.
	let watcher: ForeignWriteWatcher | null = null;
	let bus: EventBus;
	if (config.databaseURL) {
		bus = await createPostgresEventBus({
			url: config.databaseURL,
			onError: (error) => logger.error({ err: error }, "event bus error"),
		});
	} else {
		const local = createLocalEventBus({ onError: (error) => logger.error({ err: error }, "event subscriber failed") });
		watcher = watchForeignWrites({
			readChangeCounter: () => store.readChangeCounter(),
			bus: local,
			intervalMs: FOREIGN_WRITE_CHECK_MS,
			onError: (error) => logger.error({ err: error }, "foreign-write check failed"),
		});
		bus = local;
	}
	const deps = { store, clock: systemClock, logger, events: bus };
	const first = await ensureFirstApp(deps, { dataDir: config.dataDir, publicURL: config.publicURL });
	const dashboardURL = `${config.publicURL.replace(/\/+$/, "")}/dashboard`;
	// Only a fresh install prints a one-time setup link (a credential, never logged): later starts print no
	// secret, and `latchkey admin create` makes operators at any time.
	const setupLink = first ? await ensureSetupLink(deps, config.publicURL) : null;
	output.log(`Dashboard: ${dashboardURL}`);
	if (first) {
		const secrets = [
			formatCredentials(first.credentials, first.created, config.dataDir),
			...(setupLink
				? [
						`  Create the first operator (one-time link, 24 h): ${setupLink}`,
						"  or: npx latchkey admin create --email EMAIL --password-stdin",
						"",
					]
				: []),
		].join("\n");
		// stdout carries the JSON log, which is usually shipped somewhere: the keys go there only when a person
		// is watching it. Otherwise they go to stderr, once, marked; credentials.json holds the keys either way.
		if (output.terminal) output.log(secrets);
		else output.error(`----- BEGIN ${SECRETS_MARKER} -----\n${secrets}\n----- END ${SECRETS_MARKER} -----`);
	}
	const running = await startServer({
		config,
		store,
		clock: systemClock,
		logger,
		bus,
		cache: config.cache,
		realtime: { reconcileIntervalMs: RECONCILE_INTERVAL_MS },
		// Every node of a PostgreSQL deployment counts failures and logins in one table; one SQLite node in memory.
		sharedLimiter: config.databaseURL ? createPostgresLimiterFactory(store.db) : undefined,
	});
	output.log(`Latchkey listening on ${running.url} (public URL ${config.publicURL})`);

	return await new Promise<number>((resolve) => {
		let stopping = false;
		const stop = (signal: string) => {
			if (stopping) return;
			stopping = true;
			logger.info({ signal }, "shutting down");
			watcher?.stop();
			running
				.close()
				.then(() => bus.close())
				.then(() => store.close())
				.then(
					() => {
						logger.flush();
						resolve(0);
					},
					(error: unknown) => {
						logger.error({ err: error }, "shutdown failed");
						resolve(1);
					},
				);
		};
		process.once("SIGTERM", () => stop("SIGTERM"));
		process.once("SIGINT", () => stop("SIGINT"));
	});
}

/**
 * An app keeping tokens retrievable needs LATCHKEY_TOKEN_ENCRYPTION_KEY: without it the server would mint tokens it
 * promised to keep and could not, so it does not start (issue 15).
 */
async function refuseRetrievableWithoutKey(config: Readonly<Config>, store: Store): Promise<void> {
	if (config.tokenEncryptionKey) return;
	const apps = (await store.listApps()).filter((app) => securityOf(app).tokenStorage === "retrievable");
	if (apps.length === 0) return;
	await store.close();
	throw new ConfigError(
		`LATCHKEY_TOKEN_ENCRYPTION_KEY is not set, but app ${apps.map((app) => app.id).join(", ")} keeps tokens retrievable: set the key it was configured with, or switch the app to hashed storage (latchkey security set --token-storage hashed).`,
	);
}
