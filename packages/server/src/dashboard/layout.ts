import { createHash } from "node:crypto";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { OperatorSession } from "../domain/operator-sessions.ts";
import type { AppRecord } from "../store/store.ts";
import { CONFIRM_SCRIPT_HASH } from "./confirm-script.ts";

/** What a view returns; `hono/html` escapes every interpolated value unless it is already Html. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const BASE = "/dashboard";

// The one script of the console: copy buttons. Inline, and allowed by its hash in the CSP, not by 'unsafe-inline'.
const COPY_SCRIPT =
	'document.addEventListener("click",function(e){var b=e.target.closest("[data-copy]");if(!b)return;' +
	'var t=document.getElementById(b.getAttribute("data-copy"));if(!t)return;var v=t.textContent.trim();' +
	'function done(){b.textContent="Copied";setTimeout(function(){b.textContent="Copy"},1500)}' +
	"if(navigator.clipboard){navigator.clipboard.writeText(v).then(done,function(){})}else{" +
	"var r=document.createRange();r.selectNodeContents(t);var s=getSelection();s.removeAllRanges();s.addRange(r)}});";

const COPY_SCRIPT_HASH = createHash("sha256").update(COPY_SCRIPT).digest("base64");

/** Pages load nothing from elsewhere, cannot be framed, and send no Referer (setup links carry a secret). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
	"Content-Security-Policy": `default-src 'none'; style-src 'self'; script-src 'sha256-${COPY_SCRIPT_HASH}' '${CONFIRM_SCRIPT_HASH}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
	"X-Frame-Options": "DENY",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy": "no-referrer",
	"Cache-Control": "no-store",
};

export interface Crumb {
	label: string;
	href?: string;
}

export type AppTab = "overview" | "users" | "keys" | "security";

export interface PageView {
	title: string;
	session?: OperatorSession | null;
	crumbs?: Crumb[];
	/** Shows the app's tab bar with this tab current. */
	app?: { record: AppRecord; current: AppTab };
	notice?: string | null;
	/** A single small form (sign-in, setup): a narrow centred column. */
	narrow?: true;
	body: Html;
}

export function appPath(appId: string, rest = ""): string {
	return `${BASE}/apps/${encodeURIComponent(appId)}${rest}`;
}

export function userPath(appId: string, uid: string, rest = ""): string {
	return appPath(appId, `/users/${encodeURIComponent(uid)}${rest}`);
}

function renderTabs(app: AppRecord, current: AppTab): Html {
	const tabs: Array<[AppTab, string, string]> = [
		["overview", "Overview", appPath(app.id)],
		["users", "Users", appPath(app.id, "/users")],
		["keys", "API keys", appPath(app.id, "/keys")],
		["security", "Security", appPath(app.id, "/security")],
	];
	return html`<nav class="tabs" aria-label="App sections">
		${tabs.map(
			([tab, label, href]) => html`<a href="${href}"${tab === current ? raw(' aria-current="page"') : ""}>${label}</a>`,
		)}
	</nav>`;
}

function renderCrumbs(crumbs: Crumb[]): Html {
	return html`<nav class="crumbs" aria-label="Breadcrumb">
		${crumbs.map(
			(crumb, index) =>
				html`${index > 0 ? " / " : ""}${crumb.href ? html`<a href="${crumb.href}">${crumb.label}</a>` : crumb.label}`,
		)}
	</nav>`;
}

/** The whole document: header with the operator and sign-out, breadcrumbs, tabs, notice, content. */
export function renderPage(view: PageView): Html {
	const session = view.session ?? null;
	return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${view.title} · Latchkey</title>
<link rel="stylesheet" href="${BASE}/style.css">
<link rel="icon" href="${BASE}/favicon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="top"><div class="bar">
	<a class="brand" href="${BASE}/apps">Latchkey</a>
	${
		session
			? html`<a href="${BASE}/operators">Operators</a>
	<span class="who">${session.operator.email}</span>
	<form method="post" action="${BASE}/logout">${csrfField(session.csrfToken)}<button class="linkish" type="submit">Sign out</button></form>`
			: ""
	}
</div></header>
<main id="content"${view.narrow ? raw(' class="narrow"') : ""}>
	${view.crumbs && view.crumbs.length > 0 ? renderCrumbs(view.crumbs) : ""}
	<h1>${view.title}</h1>
	${view.app ? renderTabs(view.app.record, view.app.current) : ""}
	${view.notice ? html`<div class="alert ok" role="status">${view.notice}</div>` : ""}
	${view.body}
</main>
<script>${raw(COPY_SCRIPT)}</script>
<script src="${BASE}/confirm.js" integrity="${CONFIRM_SCRIPT_HASH}" defer></script>
</body>
</html>`;
}

export function csrfField(token: string): Html {
	return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** Field messages of a failed validation, by field name (CometChat's `details` shape). */
export type FieldErrors = Record<string, string[]>;

export function errorSummary(message: string | null, fields: FieldErrors = {}): Html {
	if (!message) return html``;
	const items = Object.entries(fields).flatMap(([, messages]) => messages);
	return html`<div class="alert error" role="alert"><strong>${message}</strong>${
		items.length > 0 ? html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>` : ""
	}</div>`;
}

export function fieldError(fields: FieldErrors, name: string): Html {
	const messages = fields[name];
	if (!messages || messages.length === 0) return html``;
	return html`<p class="field-error" id="${name}-error">${messages.join(" ")}</p>`;
}

/** `aria-invalid` and `aria-describedby` for a field with errors, so screen readers announce them. */
export function invalidAttributes(fields: FieldErrors, name: string): Html {
	return fields[name] ? raw(` aria-invalid="true" aria-describedby="${name}-error"`) : html``;
}

export function formatTime(ms: number | null): Html {
	if (ms === null) return html`<span class="muted">never</span>`;
	const iso = new Date(ms).toISOString();
	return html`<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}

/** A value with a Copy button; `id` must be unique on the page. */
export function copyable(id: string, value: string, options: { secret?: boolean } = {}): Html {
	return html`<div class="copyrow"><code id="${id}"${options.secret ? raw(' class="secret"') : ""}>${value}</code><button type="button" class="secondary small" data-copy="${id}" aria-label="Copy ${id.replace(/-/g, " ")}">Copy</button></div>`;
}

export function emptyState(title: string, next: Html | string): Html {
	return html`<div class="empty"><p><strong>${title}</strong></p><p class="muted">${next}</p></div>`;
}

export function avatarInitial(name: string): Html {
	const initial = [...name.trim()][0]?.toUpperCase() ?? "?";
	return html`<span class="avatar" aria-hidden="true">${initial}</span>`;
}

/** Previous/next links for a server-side page; `params` are kept (e.g. the search). */
export function pagination(
	path: string,
	params: Record<string, string>,
	page: number,
	perPage: number,
	total: number,
): Html {
	const pages = Math.max(1, Math.ceil(total / perPage));
	if (pages <= 1) return html``;
	const link = (target: number): string => {
		const query = new URLSearchParams({ ...params, page: String(target) });
		return `${path}?${query.toString()}`;
	};
	return html`<nav class="pages" aria-label="Pages">
		${page > 1 ? html`<a href="${link(page - 1)}" rel="prev">← Previous</a>` : ""}
		<span class="current">Page ${page} of ${pages}</span>
		${page < pages ? html`<a href="${link(page + 1)}" rel="next">Next →</a>` : ""}
		<span class="muted small">(${total} in all)</span>
	</nav>`;
}

/** `?page=` as a whole number ≥ 1; anything else is page 1. */
export function parsePageNumber(value: string | undefined): number {
	if (!value || !/^\d{1,7}$/.test(value)) return 1;
	return Math.max(1, Number(value));
}
