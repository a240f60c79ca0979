import pino from "pino";
import { ensureFirstApp, formatCredentials, prepareDataDir } from "./bootstrap.ts";
import type { Config } from "./config.ts";
import { systemClock } from "./domain/clock.ts";
import { openStore } from "./open-store.ts";
import { createLocalRevocationBus } from "./realtime/revocation-bus.ts";
import { startServer } from "./serve.ts";

/**
 * Everything `npm start` and `latchkey serve` do: prepare the data dir, migrate, create the first app on a
 * fresh install, listen, and shut down cleanly on SIGTERM/SIGINT. Resolves with the exit code.
 */
export async function runServer(config: Readonly<Config>, output: { log(line: string): void }): Promise<number> {
	const logger = pino({ level: config.logLevel, base: undefined });
	if (!config.databaseURL) prepareDataDir(config.dataDir);
	const store = await openStore(config);
	// One node: revocations travel in-process. A cross-node bus (PostgreSQL LISTEN/NOTIFY) plugs in here.
	const revocationBus = createLocalRevocationBus({
		onError: (error) => logger.error({ err: error }, "revocation subscriber failed"),
	});
	const deps = { store, clock: systemClock, logger, revocations: revocationBus };
	const first = await ensureFirstApp(deps, { dataDir: config.dataDir, publicURL: config.publicURL });
	if (first) output.log(formatCredentials(first.credentials, first.created, config.dataDir));
	const running = await startServer({ config, store, clock: systemClock, logger, revocationBus });
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
