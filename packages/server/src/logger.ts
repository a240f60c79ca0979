import pino from "pino";
import { redactSecrets } from "./domain/secrets.ts";

/**
 * The server's logger. Every line passes through `redactSecrets` as it is written, so a credential that reaches
 * a log line by any road (an error message, a path in another case, a driver's error) leaves only its id.
 */
export function createLogger(level: string, destination: pino.DestinationStream): pino.Logger {
	return pino({ level, base: undefined, hooks: { streamWrite: redactSecrets } }, destination);
}
