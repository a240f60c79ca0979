import { html } from "hono/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { LatchkeyError } from "../domain/errors.ts";
import type { OperatorSession } from "../domain/operator-sessions.ts";
import { ERROR_STATUS } from "../web/error-status.ts";
import { BASE, type FieldErrors, type Html, renderPage } from "./layout.ts";

/** A LatchkeyError as a form shows it: its message, per-field messages, and the status of the one table. */
export interface ShownError {
	status: ContentfulStatusCode;
	message: string;
	fields: FieldErrors;
}

function toFieldErrors(details: Record<string, unknown>): FieldErrors {
	const fields: FieldErrors = {};
	for (const [name, value] of Object.entries(details)) {
		if (Array.isArray(value)) fields[name] = value.filter((item): item is string => typeof item === "string");
	}
	return fields;
}

/** Null for anything that is not a LatchkeyError: those go to onError, logged, and shown without detail. */
export function showError(error: unknown): ShownError | null {
	if (!(error instanceof LatchkeyError)) return null;
	return { status: ERROR_STATUS[error.code], message: error.message, fields: toFieldErrors(error.details) };
}

export function renderErrorPage(session: OperatorSession | null, title: string, message: string): Html {
	return renderPage({
		title,
		session,
		body: html`<div class="alert error" role="alert">${message}</div>
<p><a href="${BASE}/apps">Back to apps</a></p>`,
	});
}
