import { readFileSync } from "node:fs";
import { createServer as createHTTPSServer } from "node:https";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Clock } from "./domain/clock.ts";
import type { DomainDeps } from "./domain/deps.ts";
import { parsePublicEndpoint } from "./domain/me.ts";
import type { RevocationPublisher } from "./domain/revocations.ts";
import { createApp } from "./http/app.ts";
import type { Store } from "./store/store.ts";

export interface RunningServer {
	/** The address actually bound, e.g. http://127.0.0.1:54321 (useful with PORT=0). */
	url: string;
	port: number;
	server: ServerType;
	/** Stops accepting, lets in-flight requests finish, then resolves. The store stays open. */
	close(): Promise<void>;
}

export interface ServeDeps {
	config: Readonly<Config>;
	store: Store;
	clock: Clock;
	logger: Logger;
	revocations: RevocationPublisher;
}

/** Binds HTTP, or HTTPS when TLS files are configured, and serves the app. */
export async function startServer(deps: ServeDeps): Promise<RunningServer> {
	const domain: DomainDeps = { store: deps.store, clock: deps.clock, revocations: deps.revocations };
	const app = createApp({
		...domain,
		publicEndpoint: parsePublicEndpoint(deps.config.publicURL),
		logger: deps.logger,
	});
	const tls = deps.config.tls;
	const server = await new Promise<ServerType>((resolve, reject) => {
		const created = serve(
			{
				fetch: app.fetch,
				hostname: deps.config.host,
				port: deps.config.port,
				...(tls && {
					createServer: createHTTPSServer,
					serverOptions: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) },
				}),
			},
			() => resolve(created),
		);
		created.once("error", reject);
	});
	const port = (server.address() as AddressInfo).port;
	const host = deps.config.host.includes(":") ? `[${deps.config.host}]` : deps.config.host;
	return {
		url: `${tls ? "https" : "http"}://${host}:${port}`,
		port,
		server,
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
			}),
	};
}
