import type { Logger } from "pino";
import type { DashboardOptions } from "../dashboard/options.ts";
import type { DomainDeps } from "../domain/deps.ts";
import type { PublicEndpoint } from "../domain/me.ts";
import type { ApiKeyRecord, AppRecord, Session } from "../store/store.ts";

export interface AppDeps extends DomainDeps {
	publicEndpoint: PublicEndpoint;
	logger: Logger;
	/** The admin console's options (public URL, password hasher, live-socket counts); all optional. */
	dashboard?: DashboardOptions;
}

/** Typed context variables set by the auth middlewares. */
export interface Env {
	Variables: {
		app: AppRecord;
		apiKey: ApiKeyRecord;
		session: Session;
		authToken: string;
	};
}
