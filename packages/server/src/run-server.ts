import pino from "pino";
import { ensureFirstApp, formatCredentials, prepareDataDir } from "./bootstrap.ts";
import type { Config } from "./config.ts";
import { ensureSetupLink } from "./dashboard/setup-link.ts";
import { systemClock } from "./domain/clock.ts";
import { openStore } from "./open-store.ts";
import type { RealtimeHub } from "./realtime/hub.ts";
import { createPostgresRevocationBus } from "./realtime/postgres-revocation-bus.ts";
import { createLocalRevocationBus } from "./realtime/revocation-bus.ts";
import { startServer } from "./serve.ts";

/**
 * How often each node re-checks its live sockets against the store: the safety net behind the bus. On SQLite
 * it is what closes sockets revoked by another process (the CLI); on PostgreSQL NOTIFY does that at once.
 */
const SQLITE_RECONCILE_INTERVAL_MS = 5_000;
const POSTGRES_RECONCILE_INTERVAL_MS = 30_000;

/**
 * Everything `npm start` and `latchkey serve` do: prepare the data dir, migrate, create the first app on a
 * fresh install, listen, and shut down cleanly on SIGTERM/SIGINT. Resolves with the exit code.
 */
export async function runServer(config: Readonly<Config>, output: { log(line: string): void }): Promise<number> {
	const logger = pino({ level: config.logLevel, base: undefined });
	// Also on PostgreSQL: credentials.json and dev certificates live there.
	prepareDataDir(config.dataDir);
	const store = await openStore(config);
	// On PostgreSQL, revocations reach every node through LISTEN/NOTIFY; on SQLite there is one node.
	let hub: RealtimeHub | null = null;
	// After a listener outage the node may have missed revocations: check its live sockets at once.
	const recheck = async (): Promise<void> => {
		const closed = hub ? await hub.reconcile() : 0;
		if (closed > 0) logger.info({ closed }, "closed sockets whose session ended elsewhere");
	};
	const revocationBus = config.databaseURL
		? await createPostgresRevocationBus({
				url: config.databaseURL,
				onReconnect: recheck,
				onError: (error) => logger.error({ err: error }, "revocation bus error"),
			})
		: createLocalRevocationBus({
				onError: (error) => logger.error({ err: error }, "revocation subscriber failed"),
			});
	const deps = { store, clock: systemClock, logger, revocations: revocationBus };
	const first = await ensureFirstApp(deps, { dataDir: config.dataDir, publicURL: config.publicURL });
	if (first) output.log(formatCredentials(first.credentials, first.created, config.dataDir));
	const dashboardURL = `${config.publicURL.replace(/\/+$/, "")}/dashboard`;
	// Only a fresh install prints a one-time setup link (a credential, never logged): later starts print no
	// secret, and `latchkey admin create` makes operators at any time.
	const setupLink = first ? await ensureSetupLink(deps, config.publicURL) : null;
	output.log(
		setupLink
			? `Dashboard: ${dashboardURL}\n  Create the first operator (one-time link, 24 h): ${setupLink}\n  or: npx latchkey admin create --email EMAIL --password-stdin`
			: `Dashboard: ${dashboardURL}`,
	);
	const running = await startServer({
		config,
		store,
		clock: systemClock,
		logger,
		revocationBus,
		realtime: {
			reconcileIntervalMs: config.databaseURL ? POSTGRES_RECONCILE_INTERVAL_MS : SQLITE_RECONCILE_INTERVAL_MS,
		},
	});
	hub = running.hub;
	output.log(`Latchkey listening on ${running.url} (public URL ${config.publicURL})`);

	return await new Promise<number>((resolve) => {
		let stopping = false;
		const stop = (signal: string) => {
			if (stopping) return;
			stopping = true;
			logger.info({ signal }, "shutting down");
			running
				.close()
				.then(() => revocationBus.close())
				.then(() => store.close())
				.then(
					() => resolve(0),
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
