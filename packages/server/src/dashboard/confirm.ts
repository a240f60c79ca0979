import { html } from "hono/html";
import { csrfField, type Html, type PageView, renderPage } from "./layout.ts";
import type { DashboardContext } from "./session.ts";

/**
 * Confirmation for destructive actions (issue 17). Two calls, one description of the action:
 *
 * ```ts
 * const request = { action: "/dashboard/apps/x/delete", label: "Delete app", message: "Delete app Foo; its 3 tokens stop working.",
 *   cancelHref: "/dashboard/apps/x", typedName: "Foo" };
 * // In the page: the form with its danger button. With JS (/dashboard/confirm.js) it opens a <dialog>.
 * confirmForm(c, request);
 * // In the POST handler, before acting: null when the form carries confirm=1 (and the typed name); otherwise the
 * // no-JS confirm page (200), or that page again with an error (400) when the typed name is wrong.
 * const pending = confirmationResponse(c, form, request);
 * if (pending) return pending;
 * ```
 *
 * Build the request from the current state in one function used by both the page and the POST handler, so the
 * sentence the operator confirms is the one the server checks against.
 */
export interface ConfirmRequest {
	/** Where the form posts (a path under /dashboard). */
	action: string;
	/** The button's text and the dialog's verb, e.g. "Delete user". */
	label: string;
	/** Exactly what will happen, one or two sentences: "Revoke 3 tokens of alice; their 2 live sockets close." */
	message: string;
	/** Where Cancel goes on the no-JS confirm page. */
	cancelHref: string;
	/** When set, the operator must type this (e.g. the key's or app's name) to confirm; the server checks it. */
	typedName?: string;
	/** Hidden fields sent with both steps (besides `_csrf`, `confirm` and `confirmName`). */
	fields?: Record<string, string>;
	/** The button's accessible name when the label alone is ambiguous in a list ("Revoke token lkat_…"). */
	ariaLabel?: string;
	/** A small button, for table rows. */
	small?: true;
	/** Breadcrumbs and tab bar of the no-JS confirm page. */
	page?: Pick<PageView, "crumbs" | "app">;
}

function hiddenFields(fields: Record<string, string> = {}): Html {
	return html`${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}

/** The action's form: one danger button; the dialog (or, without JS, the confirm page) comes before anything happens. */
export function confirmForm(c: DashboardContext, request: ConfirmRequest): Html {
	return html`<form class="inline" method="post" action="${request.action}" data-confirm="${request.message}" data-confirm-label="${request.label}"${
		request.typedName === undefined ? "" : html` data-confirm-type="${request.typedName}"`
	}>${csrfField(c.get("operatorSession").csrfToken)}${hiddenFields(request.fields)}<button type="submit" class="danger${request.small ? " small" : ""}"${
		request.ariaLabel ? html` aria-label="${request.ariaLabel}"` : ""
	}>${request.label}</button></form>`;
}

/** True when the POST carries the confirmation (and, when asked for, the exact typed name). */
export function isConfirmed(form: Record<string, string>, request: ConfirmRequest): boolean {
	if (form.confirm !== "1") return false;
	return request.typedName === undefined || form.confirmName === request.typedName;
}

function renderConfirmPage(c: DashboardContext, request: ConfirmRequest, wrongName: boolean): Html {
	const typed = request.typedName;
	return renderPage({
		title: `${request.label}?`,
		session: c.get("operatorSession"),
		...request.page,
		body: html`<section class="card confirm" aria-labelledby="confirm-what">
	<h2 id="confirm-what" class="visually-hidden">What will happen</h2>
	<p id="confirm-message">${request.message}</p>
	${wrongName ? html`<div class="alert error" role="alert">The name typed was not ${typed}; nothing was changed.</div>` : ""}
	<form method="post" action="${request.action}">
		${csrfField(c.get("operatorSession").csrfToken)}${hiddenFields(request.fields)}
		<input type="hidden" name="confirm" value="1">
		${
			typed === undefined
				? ""
				: html`<label for="confirmName">Type ${typed} to confirm</label>
		<input id="confirmName" name="confirmName" type="text" autocomplete="off" spellcheck="false" required${wrongName ? html` aria-invalid="true"` : ""}>`
		}
		<div class="actions"><button type="submit" class="danger">${request.label}</button><a class="button secondary" href="${request.cancelHref}">Cancel</a></div>
	</form>
</section>`,
	});
}

/**
 * Null when the POST is confirmed and the action may run. Otherwise the answer to send instead, having done
 * nothing: the confirm page (200), or it with an error (400) when a typed name was sent and is wrong.
 */
export async function confirmationResponse(
	c: DashboardContext,
	form: Record<string, string>,
	request: ConfirmRequest,
): Promise<Response | null> {
	if (isConfirmed(form, request)) return null;
	const wrongName = form.confirm === "1" && request.typedName !== undefined;
	return c.html(await renderConfirmPage(c, request, wrongName), wrongName ? 400 : 200);
}
