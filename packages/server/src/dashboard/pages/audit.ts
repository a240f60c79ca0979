import { Hono } from "hono";
import { html } from "hono/html";
import { AUDIT_EVENT_TYPES, type AuditEvent } from "../../audit/audit-event.ts";
import { listAuditEvents, parseAuditQuery } from "../../audit/audit-query.ts";
import { getApp } from "../../domain/apps.ts";
import type { AppRecord } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { type ShownError, showError } from "../errors.ts";
import { appPath, BASE, emptyState, errorSummary, formatTime, type Html, renderPage } from "../layout.ts";
import type { DashboardContext, DashboardEnv } from "../session.ts";

/** Rows on one page of the audit trail, and on the overview's card. */
const EVENTS_PER_PAGE = 25;
export const RECENT_EVENTS = 5;

/** The filters the page keeps in its links (the cursor is added per link). */
const FILTERS = ["type", "uid", "since"] as const;

function who(event: AuditEvent): string {
	const { kind, id } = event.actor;
	const names: Record<AuditEvent["actor"]["kind"], string> = {
		apiKey: "API key",
		user: "user",
		operator: "operator",
		cli: "CLI",
		system: "system",
	};
	return id ? `${names[kind]} ${id}` : names[kind];
}

// Details are facts the recorder wrote (never secrets); shown as short `name: value` pairs, escaped.
function renderDetails(event: AuditEvent): Html {
	const entries = Object.entries(event.details).filter(([name]) => name !== "uid");
	if (entries.length === 0) return html`<span class="muted">—</span>`;
	return html`${entries.map(
		([name, value], index) =>
			html`${index > 0 ? ", " : ""}${name}: <code>${typeof value === "string" ? value : JSON.stringify(value)}</code>`,
	)}`;
}

/** The events as a table, newest first. */
export function renderAuditTable(events: AuditEvent[]): Html {
	return html`<table class="audit">
	<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Subject</th><th scope="col">By</th><th scope="col">Details</th><th scope="col">Address</th></tr></thead>
	<tbody>
	${events.map(
		(event) => html`<tr>
		<td data-label="Time">${formatTime(event.createdAt)}</td>
		<td data-label="Event"><code>${event.type}</code></td>
		<td data-label="Subject">${event.subject ?? html`<span class="muted">—</span>`}</td>
		<td data-label="By">${who(event)}</td>
		<td data-label="Details">${renderDetails(event)}</td>
		<td data-label="Address">${event.ip ?? html`<span class="muted">—</span>`}</td>
	</tr>`,
	)}
	</tbody>
</table>`;
}

function renderFilters(app: AppRecord, values: Record<string, string>): Html {
	return html`<form class="filters" method="get" action="${appPath(app.id, "/audit")}" aria-label="Filter events">
	<div>
		<label for="type">Event</label>
		<select id="type" name="type">
			<option value="">All events</option>
			${AUDIT_EVENT_TYPES.map((type) => html`<option value="${type}"${values.type === type ? html` selected` : ""}>${type}</option>`)}
		</select>
	</div>
	<div>
		<label for="uid">UID</label>
		<input id="uid" name="uid" type="search" maxlength="100" value="${values.uid ?? ""}" autocomplete="off">
	</div>
	<div>
		<label for="since">Since <span class="hint">A day (UTC) or an ISO 8601 time.</span></label>
		<input id="since" name="since" type="text" maxlength="40" placeholder="2026-12-01" value="${values.since ?? ""}">
	</div>
	<div class="actions"><button type="submit" class="secondary">Filter</button>${
		FILTERS.some((name) => values[name]) ? html`<a href="${appPath(app.id, "/audit")}">Clear</a>` : ""
	}</div>
</form>`;
}

function auditLink(app: AppRecord, values: Record<string, string>, cursor?: string): string {
	const query = new URLSearchParams();
	for (const name of FILTERS) if (values[name]) query.set(name, values[name]);
	if (cursor) query.set("cursor", cursor);
	const suffix = query.size > 0 ? `?${query.toString()}` : "";
	return appPath(app.id, `/audit${suffix}`);
}

async function renderAuditPage(
	deps: AppDeps,
	c: DashboardContext,
	app: AppRecord,
): Promise<{ page: Html; status: 200 | ShownError["status"] }> {
	const values: Record<string, string> = {};
	for (const name of FILTERS) values[name] = (c.req.query(name) ?? "").slice(0, 100);
	const cursor = c.req.query("cursor") ?? "";
	let events: AuditEvent[] = [];
	let next: string | null = null;
	let error: ShownError | null = null;
	try {
		const query = parseAuditQuery((name) => (name === "cursor" ? cursor : values[name]));
		({ events, next } = await listAuditEvents(deps, app.id, { ...query, limit: EVENTS_PER_PAGE }));
	} catch (caught) {
		error = showError(caught);
		if (!error) throw caught;
	}
	const filtered = FILTERS.some((name) => values[name]);
	const page = renderPage({
		title: "Audit trail",
		session: c.get("operatorSession"),
		crumbs: [
			{ label: "Apps", href: `${BASE}/apps` },
			{ label: app.name, href: appPath(app.id) },
			{ label: "Audit trail" },
		],
		app: { record: app, current: "overview" },
		body: html`<p class="muted">Sign-ins, tokens, users, keys and settings of this app, newest first (the same log as <code>GET /v3/audit_log</code>).</p>
${renderFilters(app, values)}
${errorSummary(error?.message ?? null, error?.fields ?? {})}
${
	events.length === 0 && !error
		? emptyState(
				filtered ? "No events match these filters." : "No events yet.",
				"Events appear here as users log in and the app changes.",
			)
		: events.length > 0
			? renderAuditTable(events)
			: ""
}
<nav class="pages" aria-label="Pages">
	${cursor ? html`<a href="${auditLink(app, values)}">← Newest</a>` : ""}
	${next ? html`<a href="${auditLink(app, values, next)}" rel="next">Older →</a>` : ""}
</nav>`,
	});
	return { page, status: error ? error.status : 200 };
}

/** An app's audit trail: every recorded event, filtered by type, uid and time, newest first. */
export function auditPages(deps: AppDeps): Hono<DashboardEnv> {
	const router = new Hono<DashboardEnv>();

	router.get("/apps/:appId/audit", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const { page, status } = await renderAuditPage(deps, c, app);
		return c.html(page, status);
	});

	return router;
}

/** The overview's "Recent auth events" card: the latest few, and the way to all of them. */
export async function renderRecentEventsCard(deps: AppDeps, app: AppRecord): Promise<Html> {
	const { events } = await listAuditEvents(deps, app.id, { limit: RECENT_EVENTS });
	return html`<section class="card" aria-labelledby="events">
	<h2 id="events">Recent auth events</h2>
	${events.length === 0 ? html`<p class="muted">No events yet.</p>` : renderAuditTable(events)}
	<p><a href="${appPath(app.id, "/audit")}">The whole audit trail →</a></p>
</section>`;
}
