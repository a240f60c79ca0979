import type { ApiKeyRecord, AppRecord, Session } from "../store/store.ts";

/** Typed context variables set by the auth middlewares. */
export interface Env {
	/** What @hono/node-server passes: the client's socket (its address feeds the rate limits). */
	Bindings: { incoming?: { socket?: { remoteAddress?: string } } };
	Variables: {
		app: AppRecord;
		apiKey: ApiKeyRecord;
		session: Session;
		authToken: string;
		/** The headers every answer carries, collected by the middlewares (answer-headers.ts). */
		answerHeaders: Record<string, string>;
		/** Set when the route built its answer with those headers already in (`respond()`). */
		answerHeadersSent: boolean;
	};
}
