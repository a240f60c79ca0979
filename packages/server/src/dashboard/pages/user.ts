import { Hono } from "hono";
import { html } from "hono/html";
import { getApp } from "../../domain/apps.ts";
import { createAuthToken, deleteAuthToken, flushAuthTokens, listAuthTokens } from "../../domain/auth-tokens.ts";
import { maskCredential } from "../../domain/secrets.ts";
import { getActiveUser } from "../../domain/users.ts";
import type { AppRecord, AuthTokenRecord, UserRecord } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { type ShownError, showError } from "../errors.ts";
import {
	appPath,
	avatarInitial,
	BASE,
	copyable,
	csrfField,
	emptyState,
	errorSummary,
	formatTime,
	type Html,
	pagination,
	parsePageNumber,
	renderPage,
	userPath,
} from "../layout.ts";
import { noticeFor } from "../notices.ts";
import { type DashboardContext, type DashboardEnv, readForm } from "../session.ts";
import { liveSockets } from "./apps.ts";

const TOKENS_PER_PAGE = 10;

/** A URL given by an API caller becomes a link only when it is plainly http(s): never `javascript:`. */
function renderURL(value: string | null): Html {
	if (value === null) return html`<span class="muted">none</span>`;
	return /^https?:\/\//i.test(value) ? html`<a href="${value}" rel="noreferrer nofollow">${value}</a>` : html`${value}`;
}

function renderProfile(user: UserRecord, live: string): Html {
	return html`<section class="card" aria-labelledby="profile">
	<h2 id="profile" class="who-cell">${avatarInitial(user.name)} Profile ${user.isSample ? html`<span class="badge sample">sample user</span>` : ""}</h2>
	<dl class="kv">
		<dt>UID</dt><dd>${copyable("user-uid", user.uid)}</dd>
		<dt>Name</dt><dd>${user.name}</dd>
		<dt>Role</dt><dd>${user.role}</dd>
		<dt>Avatar</dt><dd>${renderURL(user.avatar)}</dd>
		<dt>Link</dt><dd>${renderURL(user.link)}</dd>
		<dt>Status message</dt><dd>${user.statusMessage ?? html`<span class="muted">none</span>`}</dd>
		<dt>Tags</dt><dd>${user.tags.length > 0 ? user.tags.join(", ") : html`<span class="muted">none</span>`}</dd>
		<dt>Metadata</dt><dd>${user.metadata ? html`<code>${JSON.stringify(user.metadata)}</code>` : html`<span class="muted">none</span>`}</dd>
		<dt>Created</dt><dd>${formatTime(user.createdAt)}</dd>
		<dt>Updated</dt><dd>${formatTime(user.updatedAt)}</dd>
		<dt>Live sockets</dt><dd>${live}</dd>
	</dl>
	<div class="actions"><a class="button secondary" href="${userPath(user.appId, user.uid, "/edit")}">Edit user</a></div>
</section>`;
}

function renderTokensTable(c: DashboardContext, user: UserRecord, tokens: AuthTokenRecord[]): Html {
	const csrf = c.get("operatorSession").csrfToken;
	return html`<table>
	<thead><tr><th scope="col">Token</th><th scope="col">Platform</th><th scope="col">User agent</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
	<tbody>
	${tokens.map(
		(token) => html`<tr>
		<td data-label="Token"><code>${maskCredential(token.id)}</code></td>
		<td data-label="Platform">${token.platform ?? html`<span class="muted">unknown</span>`}</td>
		<td data-label="User agent">${token.userAgent ?? html`<span class="muted">unknown</span>`}</td>
		<td data-label="Created">${formatTime(token.createdAt)}</td>
		<td data-label="Last used">${formatTime(token.lastUsedAt)}</td>
		<td data-label="Actions"><form class="inline" method="post" action="${userPath(user.appId, user.uid, `/tokens/${encodeURIComponent(token.id)}/revoke`)}">${csrfField(csrf)}<button type="submit" class="danger small" aria-label="Revoke token ${token.id}">Revoke</button></form></td>
	</tr>`,
	)}
	</tbody>
</table>`;
}

interface UserPageExtras {
	minted?: { token: AuthTokenRecord; plaintext: string };
	error?: ShownError | null;
}

async function renderUserPage(
	deps: AppDeps,
	c: DashboardContext,
	app: AppRecord,
	user: UserRecord,
	extras: UserPageExtras = {},
): Promise<Html> {
	const page = parsePageNumber(c.req.query("page"));
	const tokens = await listAuthTokens(deps, app.id, user.uid, {
		limit: TOKENS_PER_PAGE,
		offset: (page - 1) * TOKENS_PER_PAGE,
	});
	const live = await liveSockets(deps, app.id, user.uid);
	const csrf = c.get("operatorSession").csrfToken;
	const base = userPath(app.id, user.uid);
	return renderPage({
		title: user.name,
		session: c.get("operatorSession"),
		notice: noticeFor(c.req.query("notice")),
		crumbs: [
			{ label: "Apps", href: `${BASE}/apps` },
			{ label: app.name, href: appPath(app.id) },
			{ label: "Users", href: appPath(app.id, "/users") },
			{ label: user.uid },
		],
		app: { record: app, current: "users" },
		body: html`${errorSummary(extras.error?.message ?? null, extras.error?.fields ?? {})}
${
	extras.minted
		? html`<section class="alert once" role="status" aria-labelledby="minted">
	<h2 id="minted">New auth token for ${user.uid}</h2>
	<p>Copy it now: it is shown only this once. Use it as the <code>authtoken</code> header, or with <code>CometChat.login(authToken)</code>.</p>
	${copyable("new-auth-token", extras.minted.plaintext, { secret: true })}
</section>`
		: ""
}
<div class="grid2">
${renderProfile(user, live)}
<section class="card" aria-labelledby="mint">
	<h2 id="mint">Mint an auth token</h2>
	<form method="post" action="${base}/tokens">
		${csrfField(csrf)}
		<label for="platform">Platform <span class="hint">Optional, e.g. WEB, ANDROID, IOS.</span></label>
		<input id="platform" name="platform" type="text" maxlength="50">
		<div class="actions"><button type="submit">Mint token</button></div>
	</form>
	<h2>Delete user</h2>
	<form method="post" action="${base}/delete">
		${csrfField(csrf)}
		<label class="check"><input type="checkbox" name="permanent" value="1"> Permanently (frees the uid; otherwise the user is deactivated)</label>
		<div class="actions"><button type="submit" class="danger">Delete user</button></div>
	</form>
</section>
</div>
<h2>Auth tokens <span class="muted small">(${tokens.total})</span></h2>
${
	tokens.total === 0
		? emptyState("No auth tokens.", "Mint one above, or log the user in from an SDK with an Auth Key.")
		: html`${renderTokensTable(c, user, tokens.items)}
${pagination(base, {}, page, TOKENS_PER_PAGE, tokens.total)}
<form method="post" action="${base}/tokens/flush" class="actions">
	${csrfField(csrf)}
	<button type="submit" class="danger">Revoke all tokens of ${user.uid}</button>
</form>`
}`,
	});
}

/** One user: profile, tokens (mint, revoke, flush). */
export function userPages(deps: AppDeps): Hono<DashboardEnv> {
	const router = new Hono<DashboardEnv>();

	router.get("/apps/:appId/users/:uid", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const user = await getActiveUser(deps, app.id, c.req.param("uid"));
		return c.html(await renderUserPage(deps, c, app, user));
	});

	router.post("/apps/:appId/users/:uid/tokens", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const user = await getActiveUser(deps, app.id, c.req.param("uid"));
		const form = await readForm(c);
		const platform = (form.platform ?? "").trim();
		try {
			const minted = await createAuthToken(deps, app.id, user.uid, {
				...(platform && { platform }),
				userAgent: "Latchkey dashboard",
			});
			return c.html(await renderUserPage(deps, c, app, user, { minted }));
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			return c.html(await renderUserPage(deps, c, app, user, { error: shown }), shown.status);
		}
	});

	router.post("/apps/:appId/users/:uid/tokens/flush", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const uid = c.req.param("uid");
		await flushAuthTokens(deps, app.id, uid);
		return c.redirect(userPath(app.id, uid.toLowerCase(), "?notice=tokens-flushed"), 303);
	});

	router.post("/apps/:appId/users/:uid/tokens/:tokenId/revoke", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const uid = c.req.param("uid");
		await deleteAuthToken(deps, app.id, uid, c.req.param("tokenId"));
		return c.redirect(userPath(app.id, uid.toLowerCase(), "?notice=token-revoked"), 303);
	});

	return router;
}
