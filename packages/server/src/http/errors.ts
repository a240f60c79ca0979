import type { Context } from "hono";
import { LatchkeyError } from "../domain/errors.ts";
import { ERROR_STATUS } from "../web/error-status.ts";

/** CometChat's error envelope; `devMessage` and `source` are kept for clients that read them. */
export function errorBody(error: LatchkeyError): { error: Record<string, unknown> } {
	return {
		error: {
			code: error.code,
			message: error.message,
			devMessage: error.message,
			source: "chat-api",
			details: error.details,
		},
	};
}

export function errorResponse(c: Context, error: LatchkeyError): Response {
	return c.json(errorBody(error), ERROR_STATUS[error.code]);
}

export function internalError(): LatchkeyError {
	return new LatchkeyError("ERR_INTERNAL", "Something went wrong on our side. Please try again later.");
}
