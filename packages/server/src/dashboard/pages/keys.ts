import { Hono } from "hono";
import { html } from "hono/html";
import { asOperator } from "../../audit/bind.ts";
import { createApiKey, deleteApiKey, getApiKey, listApiKeys, MAX_API_KEYS_PER_APP } from "../../domain/api-keys.ts";
import { getApp } from "../../domain/apps.ts";
import { maskCredential } from "../../domain/secrets.ts";
import type { ApiKeyRecord, AppRecord } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { type ConfirmRequest, confirmationResponse, confirmForm } from "../confirm.ts";
import { type ShownError, showError } from "../errors.ts";
import { consumeFlash, createFlash } from "../flash.ts";
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
import { type DashboardContext, type DashboardEnv, readForm } from "../session.ts";

const KEYS_PER_PAGE = 10;
const CREATED_KEY = "api-key";

/**
 * Deleting a key: its name is to be typed when it is the app's last fullAccess key, since the app's backend then
 * loses the REST API until another is created.
 */
function deleteKeyRequest(app: AppRecord, key: ApiKeyRecord, fullAccessCount: number): ConfirmRequest {
	const last = key.scope === "fullAccess" && fullAccessCount <= 1;
	return {
		action: appPath(app.id, `/keys/${encodeURIComponent(key.id)}/delete`),
		label: "Delete key",
		ariaLabel: `Delete key ${key.name}`,
		message: `Delete the ${key.scope} API key ${key.name} (${maskCredential(key.id)}) of ${app.name}: requests that send it are refused from now on.${
			last
				? ` It is the app's last fullAccess key, so the app's backend loses the REST API (users, tokens, keys) until you create another.`
				: ""
		}`,
		cancelHref: appPath(app.id, "/keys"),
		small: true,
		...(last && { typedName: key.name }),
		page: {
			crumbs: [
				{ label: "Apps", href: `${BASE}/apps` },
				{ label: app.name, href: appPath(app.id) },
				{ label: "API keys", href: appPath(app.id, "/keys") },
			],
			app: { record: app, current: "keys" },
		},
	};
}

async function countFullAccessKeys(deps: AppDeps, appId: string): Promise<number> {
	return (await listApiKeys(deps, appId, { scope: "fullAccess", limit: 1, offset: 0 })).total;
}

function scopeBadge(key: ApiKeyRecord): Html {
	return key.scope === "fullAccess"
		? html`<span class="badge full">fullAccess</span>`
		: html`<span class="badge auth">authOnly</span>`;
}

function renderKeysTable(c: DashboardContext, app: AppRecord, keys: ApiKeyRecord[], fullAccessCount: number): Html {
	return html`<table>
	<thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Scope</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
	<tbody>
	${keys.map(
		(key) => html`<tr>
		<td data-label="Name"><span>${key.name}${key.createdBy === "app_system" ? html` <span class="muted small">(created with the app)</span>` : ""}</span></td>
		<td data-label="Key"><code>${maskCredential(key.id)}</code></td>
		<td data-label="Scope">${scopeBadge(key)}</td>
		<td data-label="Created">${formatTime(key.createdAt)}</td>
		<td data-label="Actions">${confirmForm(c, deleteKeyRequest(app, key, fullAccessCount))}</td>
	</tr>`,
	)}
	</tbody>
</table>`;
}

async function renderKeysPage(
	deps: AppDeps,
	c: DashboardContext,
	app: AppRecord,
	extras: {
		created?: { name: string; plaintext: string } | null;
		form?: Record<string, string>;
		error?: ShownError;
	} = {},
): Promise<Html> {
	const page = parsePageNumber(c.req.query("page"));
	const keys = await listApiKeys(deps, app.id, { limit: KEYS_PER_PAGE, offset: (page - 1) * KEYS_PER_PAGE });
	const fullAccessCount = await countFullAccessKeys(deps, app.id);
	const form = extras.form ?? {};
	const fields = extras.error?.fields ?? {};
	return renderPage({
		title: "API keys",
		session: c.get("operatorSession"),
		notice: noticeFor(c.req.query("notice")),
		crumbs: [
			{ label: "Apps", href: `${BASE}/apps` },
			{ label: app.name, href: appPath(app.id) },
			{ label: "API keys" },
		],
		app: { record: app, current: "keys" },
		body: html`${
			extras.created
				? html`<section class="alert once" role="status" aria-labelledby="created-key">
	<h2 id="created-key">Key “${extras.created.name}” created</h2>
	<p>Copy it now: it is shown only this once (a reload shows nothing). Send it as the <code>apikey</code> header with the <code>appid</code> header.</p>
	${copyable("new-api-key", extras.created.plaintext, { secret: true })}
</section>`
				: ""
		}
${
	keys.total === 0
		? emptyState(
				"This app has no API keys.",
				"Create one below; your backend needs a fullAccess key, SDK logins an authOnly one.",
			)
		: html`${renderKeysTable(c, app, keys.items, fullAccessCount)}${pagination(appPath(app.id, "/keys"), {}, page, KEYS_PER_PAGE, keys.total)}`
}
<section class="card" aria-labelledby="new-key">
	<h2 id="new-key">Create an API key</h2>
	<p class="muted small">An app may have up to ${MAX_API_KEYS_PER_APP} keys. fullAccess keys can do everything, so keep them on servers; authOnly keys can only create and log in users.</p>
	${errorSummary(extras.error?.message ?? null, fields)}
	<form method="post" action="${appPath(app.id, "/keys")}">
		${csrfField(c.get("operatorSession").csrfToken)}
		<label for="name">Name</label>
		<input id="name" name="name" type="text" required maxlength="100" value="${form.name ?? ""}"${invalidAttributes(fields, "name")}>
		${fieldError(fields, "name")}
		<label for="scope">Scope</label>
		<select id="scope" name="scope">
			<option value="authOnly"${form.scope === "fullAccess" ? "" : html` selected`}>authOnly: create and log in users</option>
			<option value="fullAccess"${form.scope === "fullAccess" ? html` selected` : ""}>fullAccess: the whole REST API</option>
		</select>
		<div class="actions"><button type="submit">Create key</button></div>
	</form>
</section>`,
	});
}

/** An app's API keys: list, create (plaintext once), delete. */
export function keysPages(deps: AppDeps): Hono<DashboardEnv> {
	const router = new Hono<DashboardEnv>();

	router.get("/apps/:appId/keys", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		// Read once: the flash is deleted as it is read, so a reload of this page shows no secret.
		const flash = await consumeFlash(deps, c, CREATED_KEY);
		const created =
			flash?.values.appId === app.id && flash.values.key
				? { name: flash.values.name ?? "", plaintext: flash.values.key }
				: null;
		return c.html(await renderKeysPage(deps, c, app, { created }));
	});

	router.post("/apps/:appId/keys", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const form = await readForm(c);
		try {
			const created = await createApiKey(asOperator(deps, c), app.id, {
				name: form.name ?? "",
				scope: form.scope || "authOnly",
			});
			// POST → 303 → GET: the key travels in a one-time flash, so a reload of the landing page creates nothing.
			const flash = await createFlash(deps, c, {
				kind: CREATED_KEY,
				values: { appId: app.id, name: created.key.name, key: created.plaintext },
			});
			return c.redirect(appPath(app.id, `/keys?notice=key-created&flash=${flash}`), 303);
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			return c.html(await renderKeysPage(deps, c, app, { form, error: shown }), shown.status);
		}
	});

	router.post("/apps/:appId/keys/:keyId/delete", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const key = await getApiKey(deps, app.id, c.req.param("keyId"));
		const request = deleteKeyRequest(app, key, await countFullAccessKeys(deps, app.id));
		const pending = await confirmationResponse(c, await readForm(c), request);
		if (pending) return pending;
		await deleteApiKey(asOperator(deps, c), app.id, key.id, null);
		return c.redirect(appPath(app.id, "/keys?notice=key-deleted"), 303);
	});

	return router;
}
