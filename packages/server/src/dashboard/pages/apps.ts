import { Hono } from "hono";
import { html } from "hono/html";
import { type CreatedApp, createApp, deleteApp, getApp, listApps, REGIONS, renameApp } from "../../domain/apps.ts";
import { type AppOverview, getAppOverview } from "../../domain/operator-overview.ts";
import type { AppRecord } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { type ConfirmRequest, confirmationResponse, confirmForm } from "../confirm.ts";
import { type ShownError, showError } from "../errors.ts";
import {
	appPath,
	BASE,
	copyable,
	csrfField,
	emptyState,
	errorSummary,
	fieldError,
	formatTime,
	type Html,
	invalidAttributes,
	pagination,
	parsePageNumber,
	renderPage,
} from "../layout.ts";
import { noticeFor } from "../notices.ts";
import { renderQuickStart } from "../quick-start.ts";
import { type DashboardContext, type DashboardEnv, readForm } from "../session.ts";
import { renderRecentEventsCard } from "./audit.ts";

const APPS_PER_PAGE = 20;

/** This file's one-line confirmations after a redirect (fixed sentences, as in notices.ts). */
const APP_NOTICES: Readonly<Record<string, string>> = {
	"app-renamed": "The app was renamed. Its App ID, keys and users stay the same.",
	"app-deleted": "The app was deleted with all its users, auth tokens and API keys; its sockets were closed.",
};

function appNoticeFor(code: string | undefined): string | null {
	return noticeFor(code) ?? (code ? (APP_NOTICES[code] ?? null) : null);
}

/** "1 user", "3 users". */
function count(n: number, noun: string): string {
	return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * The app's delete confirmation, built from the current counts so the sentence the operator confirms is what
 * happens. The name must be typed: deleting an app cannot be undone.
 */
function deleteAppRequest(overview: AppOverview, live: string): ConfirmRequest {
	const { app } = overview;
	const sockets =
		live === "—"
			? "its live sockets close"
			: live === "1"
				? "its live socket closes"
				: `its ${live} live sockets close`;
	return {
		action: appPath(app.id, "/delete"),
		label: "Delete app",
		message: `Delete the app ${app.name} (${app.id}) with its ${count(overview.userCount, "user")}, ${count(overview.authTokenCount, "auth token")} and ${count(overview.apiKeyCount, "API key")}; ${sockets}. This cannot be undone.`,
		cancelHref: appPath(app.id),
		typedName: app.name,
		page: {
			crumbs: [
				{ label: "Apps", href: `${BASE}/apps` },
				{ label: app.name, href: appPath(app.id) },
			],
			app: { record: app, current: "overview" },
		},
	};
}

function renderCreateAppForm(c: DashboardContext, form: Record<string, string>, error: ShownError | null): Html {
	const fields = error?.fields ?? {};
	return html`<section class="card" aria-labelledby="new-app">
	<h2 id="new-app">Create an app</h2>
	${errorSummary(error?.message ?? null, fields)}
	<form method="post" action="${BASE}/apps">
		${csrfField(c.get("operatorSession").csrfToken)}
		<label for="name">Name</label>
		<input id="name" name="name" type="text" required maxlength="100" value="${form.name ?? ""}"${invalidAttributes(fields, "name")}>
		${fieldError(fields, "name")}
		<label for="region">Region <span class="hint">Shown to SDKs as the app's region.</span></label>
		<select id="region" name="region">
			${REGIONS.map((region) => html`<option value="${region}"${form.region === region ? html` selected` : ""}>${region}</option>`)}
		</select>
		<label class="check"><input type="checkbox" name="skipSampleData" value="1"${form.skipSampleData ? html` checked` : ""}> Skip the five sample users</label>
		<div class="actions"><button type="submit">Create app</button></div>
	</form>
</section>`;
}

function renderAppsTable(apps: AppRecord[]): Html {
	return html`<table>
	<thead><tr><th scope="col">Name</th><th scope="col">App ID</th><th scope="col">Region</th><th scope="col">Created</th></tr></thead>
	<tbody>
	${apps.map(
		(app) => html`<tr>
		<td data-label="Name"><a href="${appPath(app.id)}">${app.name}</a></td>
		<td data-label="App ID">${copyable(`app-id-${app.id}`, app.id)}</td>
		<td data-label="Region">${app.region}</td>
		<td data-label="Created">${formatTime(app.createdAt)}</td>
	</tr>`,
	)}
	</tbody>
</table>`;
}

async function renderAppsPage(
	deps: AppDeps,
	c: DashboardContext,
	options: { form?: Record<string, string>; error?: ShownError | null; created?: CreatedApp } = {},
): Promise<Html> {
	const page = parsePageNumber(c.req.query("page"));
	// Apps are few; the page is still cut on the server so the document stays small.
	const all = await listApps(deps);
	const apps = all.slice((page - 1) * APPS_PER_PAGE, page * APPS_PER_PAGE);
	return renderPage({
		title: "Apps",
		session: c.get("operatorSession"),
		notice: appNoticeFor(c.req.query("notice")),
		body: html`${options.created ? renderCreated(options.created) : ""}
	${
		all.length === 0
			? emptyState("No apps yet.", "Create one below; it comes with a REST API Key, an Auth Key and sample users.")
			: html`${renderAppsTable(apps)}${pagination(`${BASE}/apps`, {}, page, APPS_PER_PAGE, all.length)}`
	}
	${renderCreateAppForm(c, options.form ?? {}, options.error ?? null)}`,
	});
}

function renderCreated(created: CreatedApp): Html {
	return html`<section class="alert once" role="status" aria-labelledby="created-title">
	<h2 id="created-title">App “${created.app.name}” created</h2>
	<p>Copy the keys now: they are shown only this once. Only a hash is stored.</p>
	<dl class="kv">
		<dt>App ID</dt><dd>${copyable("new-app-id", created.app.id)}</dd>
		<dt>Region</dt><dd>${created.app.region}</dd>
		<dt>REST API Key <span class="badge full">fullAccess</span></dt><dd>${copyable("new-rest-api-key", created.restApiKey, { secret: true })}</dd>
		<dt>Auth Key <span class="badge auth">authOnly</span></dt><dd>${copyable("new-auth-key", created.authKey, { secret: true })}</dd>
	</dl>
	<p><a href="${appPath(created.app.id)}">Open the app</a></p>
</section>`;
}

export async function liveSockets(deps: AppDeps, appId: string, uid?: string): Promise<string> {
	const count = deps.dashboard?.liveSocketCount;
	return count ? String(await count(appId, uid)) : "—";
}

interface OverviewExtras {
	renameForm?: { name: string; error: ShownError };
}

/** The console's public origin: the configured public URL, else this request's own. */
function publicURLOf(deps: AppDeps, c: DashboardContext): string {
	return (deps.dashboard?.publicURL ?? new URL(c.req.url).origin).replace(/\/+$/, "");
}

function renderRenameForm(c: DashboardContext, app: AppRecord, form: OverviewExtras["renameForm"]): Html {
	const fields = form?.error.fields ?? {};
	return html`<form method="post" action="${appPath(app.id, "/rename")}">
		${csrfField(c.get("operatorSession").csrfToken)}
		${errorSummary(form?.error.message ?? null, fields)}
		<label for="app-name">Name <span class="hint">The App ID, keys and users stay the same.</span></label>
		<input id="app-name" name="name" type="text" required maxlength="100" value="${form?.name ?? app.name}"${invalidAttributes(fields, "name")}>
		${fieldError(fields, "name")}
		<div class="actions"><button type="submit" class="secondary">Rename app</button></div>
	</form>`;
}

async function renderOverview(
	deps: AppDeps,
	c: DashboardContext,
	appId: string,
	extras: OverviewExtras = {},
): Promise<Html> {
	const overview = await getAppOverview(deps, appId);
	const { app } = overview;
	const live = await liveSockets(deps, app.id);
	const session = c.get("operatorSession");
	return renderPage({
		title: app.name,
		session,
		crumbs: [{ label: "Apps", href: `${BASE}/apps` }, { label: app.name }],
		app: { record: app, current: "overview" },
		notice: appNoticeFor(c.req.query("notice")),
		body: html`<div class="stats">
	<a class="stat" href="${appPath(app.id, "/users")}"><span class="n">${overview.userCount}</span><span class="l">Users</span></a>
	<div class="stat"><span class="n">${overview.authTokenCount}</span><span class="l">Auth tokens</span></div>
	<a class="stat" href="${appPath(app.id, "/keys")}"><span class="n">${overview.apiKeyCount}</span><span class="l">API keys</span></a>
	<div class="stat"><span class="n">${live}</span><span class="l">Live sockets${live === "—" ? html` <span class="hint">(not reported by this server)</span>` : ""}</span></div>
</div>
${renderQuickStart({ app, publicURL: publicURLOf(deps, c), authKey: overview.authKey, csrfToken: session.csrfToken })}
${await renderRecentEventsCard(deps, app)}
<section class="card" aria-labelledby="security-link">
	<h2 id="security-link">Security</h2>
	<p>Token timeouts, Auth Key login, production mode and token storage: <a href="${appPath(app.id, "/security")}">security settings</a>.</p>
</section>
<section class="card" aria-labelledby="settings">
	<h2 id="settings">App settings</h2>
	<dl class="kv"><dt>Created</dt><dd>${formatTime(app.createdAt)}</dd></dl>
	${renderRenameForm(c, app, extras.renameForm)}
	<h3 id="danger">Delete this app</h3>
	<p>Deletes every user, auth token and API key of the app and closes its sockets. This cannot be undone.</p>
	${confirmForm(c, deleteAppRequest(overview, live))}
</section>`,
	});
}

/** Apps: the list, creating one, and an app's overview. */
export function appsPages(deps: AppDeps): Hono<DashboardEnv> {
	const router = new Hono<DashboardEnv>();

	router.get("/", (c) => c.redirect(`${BASE}/apps`, 303));

	router.get("/apps", async (c) => c.html(await renderAppsPage(deps, c)));

	router.post("/apps", async (c) => {
		const form = await readForm(c);
		try {
			const created = await createApp(deps, {
				name: form.name ?? "",
				region: form.region || "us",
				skipSampleData: form.skipSampleData === "1",
			});
			return c.html(await renderAppsPage(deps, c, { created }));
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			return c.html(await renderAppsPage(deps, c, { form, error: shown }), shown.status);
		}
	});

	router.get("/apps/:appId", async (c) => c.html(await renderOverview(deps, c, c.req.param("appId"))));

	router.post("/apps/:appId/rename", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const form = await readForm(c);
		try {
			await renameApp(deps, app.id, { name: form.name ?? "" });
			return c.redirect(appPath(app.id, "?notice=app-renamed"), 303);
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			return c.html(
				await renderOverview(deps, c, app.id, { renameForm: { name: form.name ?? "", error: shown } }),
				shown.status,
			);
		}
	});

	router.post("/apps/:appId/delete", async (c) => {
		const overview = await getAppOverview(deps, c.req.param("appId"));
		const request = deleteAppRequest(overview, await liveSockets(deps, overview.app.id));
		// Nothing happens without confirm=1 and the app's exact name typed (the dialog, or the no-JS confirm page).
		const pending = await confirmationResponse(c, await readForm(c), request);
		if (pending) return pending;
		await deleteApp(deps, overview.app.id);
		return c.redirect(`${BASE}/apps?notice=app-deleted`, 303);
	});

	return router;
}
