import pino from "pino";
import { ensureFirstApp, formatCredentials, prepareDataDir } from "./bootstrap.ts";
import type { Config } from "./config.ts";
import { systemClock } from "./domain/clock.ts";
import { openStore } from "./open-store.ts";
import type { RealtimeHub } from "./realtime/hub.ts";
import { recheckLiveSockets, startLiveSocketSweep } from "./realtime/live-socket-check.ts";
import { createPostgresRevocationBus } from "./realtime/postgres-revocation-bus.ts";
import { createLocalRevocationBus } from "./realtime/revocation-bus.ts";
import { startServer } from "./serve.ts";

/** How often live sockets are re-checked against the store, per dialect. */
const SQLITE_SWEEP_INTERVAL_MS = 5_000;
const POSTGRES_SWEEP_INTERVAL_MS = 30_000;

/**
 * Everything `npm start` and `latchkey serve` do: prepare the data dir, migrate, create the first app on a
 * fresh install, listen, and shut down cleanly on SIGTERM/SIGINT. Resolves with the exit code.
 */
export async function runServer(config: Readonly<Config>, output: { log(line: string): void }): Promise<number> {
	const logger = pino({ level: config.logLevel, base: undefined });
	if (!config.databaseURL) prepareDataDir(config.dataDir);
	const store = await openStore(config);
	// On PostgreSQL, revocations reach every node through LISTEN/NOTIFY; on SQLite there is one node.
	let hub: RealtimeHub | null = null;
	const recheck = async (): Promise<void> => {
		const closed = hub ? await recheckLiveSockets(hub, store) : 0;
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
	const running = await startServer({ config, store, clock: systemClock, logger, revocationBus });
	hub = running.hub;
	// The safety net behind the bus: revocations made by another process (the CLI on SQLite) or missed
	// during an outage still close their sockets within one interval.
	const sweep = startLiveSocketSweep(
		recheck,
		config.databaseURL ? POSTGRES_SWEEP_INTERVAL_MS : SQLITE_SWEEP_INTERVAL_MS,
		(error) => logger.error({ err: error }, "live socket re-check failed"),
	);
	output.log(`Latchkey listening on ${running.url} (public URL ${config.publicURL})`);

	return await new Promise<number>((resolve) => {
		let stopping = false;
		const stop = (signal: string) => {
			if (stopping) return;
			stopping = true;
			logger.info({ signal }, "shutting down");
			sweep.stop();
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
