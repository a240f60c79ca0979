import type { ApiKeyRecord, AppRecord, Session } from "../store/store.ts";

/** Typed context variables set by the auth middlewares. */
export interface Env {
	Variables: {
		app: AppRecord;
		apiKey: ApiKeyRecord;
		session: Session;
		authToken: string;
	};
}
