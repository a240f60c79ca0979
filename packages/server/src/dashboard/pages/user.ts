import { Hono } from "hono";
import { html } from "hono/html";
import { asOperator } from "../../audit/bind.ts";
import { getApp } from "../../domain/apps.ts";
import { createAuthToken, deleteAuthToken, flushAuthTokens, listAuthTokens } from "../../domain/auth-tokens.ts";
import { maskCredential } from "../../domain/secrets.ts";
import { deleteUser, getActiveUser, listUsers, normalizeUid, reactivateUser } from "../../domain/users.ts";
import type { AppRecord, AuthTokenRecord, UserRecord } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { type ConfirmRequest, confirmationResponse, confirmForm } from "../confirm.ts";
import { type ShownError, showError } from "../errors.ts";
import { consumeFlash, createFlash } from "../flash.ts";
import {
	appPath,
	avatarInitial,
	BASE,
	type Crumb,
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

const TOKENS_PER_PAGE = 10;
const MINTED_TOKEN = "auth-token";

/** "their 3 auth tokens"; "their auth tokens" when not counted. */
function theirTokens(count: number | null): string {
	return count === null ? "their auth tokens" : `their ${plural(count, "auth token")}`;
}

/** "1 token", "3 tokens". */
export function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Open sockets of the app or of one user; null when the server does not report them. */
export async function liveSocketCount(deps: AppDeps, appId: string, uid?: string): Promise<number | null> {
	const count = deps.dashboard?.liveSocketCount;
	return count ? await count(appId, uid) : null;
}

function socketsClause(live: number | null): string {
	if (live === null) return "their live sockets close";
	if (live === 0) return "they have no live sockets";
	return `their ${plural(live, "live socket")} close${live === 1 ? "s" : ""}`;
}

/** What the user's page and its POST handlers need to word a confirmation: counts as they are now. */
interface UserState {
	app: AppRecord;
	user: UserRecord;
	/** Null for a deactivated user, whose tokens are kept but cannot be listed. */
	tokenCount: number | null;
	live: number | null;
}

async function userState(deps: AppDeps, app: AppRecord, user: UserRecord): Promise<UserState> {
	const tokenCount =
		user.deactivatedAt === null ? (await listAuthTokens(deps, app.id, user.uid, { limit: 1, offset: 0 })).total : null;
	return { app, user, tokenCount, live: await liveSocketCount(deps, app.id, user.uid) };
}

function userCrumbs(app: AppRecord, uid: string): Crumb[] {
	return [
		{ label: "Apps", href: `${BASE}/apps` },
		{ label: app.name, href: appPath(app.id) },
		{ label: "Users", href: appPath(app.id, "/users") },
		{ label: uid, href: userPath(app.id, uid) },
	];
}

function confirmPage(state: UserState): ConfirmRequest["page"] {
	return { crumbs: userCrumbs(state.app, state.user.uid), app: { record: state.app, current: "users" } };
}

function flushRequest(state: UserState): ConfirmRequest {
	const { user, tokenCount, live } = state;
	return {
		action: userPath(user.appId, user.uid, "/tokens/flush"),
		label: "Revoke all tokens",
		ariaLabel: `Revoke all tokens of ${user.uid}`,
		message: `Revoke ${plural(tokenCount ?? 0, "token")} of ${user.uid}; ${socketsClause(live)}. Clients using them are signed out.`,
		cancelHref: userPath(user.appId, user.uid),
		page: confirmPage(state),
	};
}

function revokeRequest(state: UserState, tokenId: string): ConfirmRequest {
	const { user } = state;
	return {
		action: userPath(user.appId, user.uid, `/tokens/${encodeURIComponent(tokenId)}/revoke`),
		label: "Revoke",
		ariaLabel: `Revoke token ${tokenId}`,
		message: `Revoke token ${maskCredential(tokenId)} of ${user.uid}. Clients using it are signed out and their sockets close; the user's other tokens keep working.`,
		cancelHref: userPath(user.appId, user.uid),
		small: true,
		page: confirmPage(state),
	};
}

function deactivateRequest(state: UserState): ConfirmRequest {
	const { user, tokenCount, live } = state;
	return {
		action: userPath(user.appId, user.uid, "/delete"),
		label: "Deactivate user",
		message: `Deactivate ${user.uid}: ${theirTokens(tokenCount)} ${tokenCount === 1 ? "stops" : "stop"} working and ${socketsClause(live)}. The uid stays taken; the user can be reactivated from the Deactivated list.`,
		cancelHref: userPath(user.appId, user.uid),
		page: confirmPage(state),
	};
}

function deleteRequest(state: UserState): ConfirmRequest {
	const { user, tokenCount, live } = state;
	const active = user.deactivatedAt === null;
	return {
		action: userPath(user.appId, user.uid, "/delete"),
		label: "Delete permanently",
		ariaLabel: `Delete ${user.uid} permanently`,
		fields: { permanent: "1" },
		message: `Delete ${user.uid} permanently, with ${theirTokens(tokenCount)}${
			active ? `; ${socketsClause(live)}` : ""
		}. The uid becomes free. This cannot be undone.`,
		cancelHref: userPath(user.appId, user.uid),
		page: confirmPage(state),
	};
}

/** A URL given by an API caller becomes a link only when it is plainly http(s): never `javascript:`. */
function renderURL(value: string | null): Html {
	if (value === null) return html`<span class="muted">none</span>`;
	return /^https?:\/\//i.test(value) ? html`<a href="${value}" rel="noreferrer nofollow">${value}</a>` : html`${value}`;
}

function renderProfile(user: UserRecord, live: number | null): Html {
	const active = user.deactivatedAt === null;
	return html`<section class="card" aria-labelledby="profile">
	<h2 id="profile" class="who-cell">${avatarInitial(user.name)} Profile ${user.isSample ? html`<span class="badge sample">sample user</span>` : ""}${active ? "" : html` <span class="badge off">deactivated</span>`}</h2>
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
		${active ? "" : html`<dt>Deactivated</dt><dd>${formatTime(user.deactivatedAt)}</dd>`}
		<dt>Live sockets</dt><dd>${live === null ? "—" : String(live)}</dd>
	</dl>
	${active ? html`<div class="actions"><a class="button secondary" href="${userPath(user.appId, user.uid, "/edit")}">Edit user</a></div>` : ""}
</section>`;
}

function renderTokensTable(state: UserState, tokens: AuthTokenRecord[], c: DashboardContext): Html {
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
		<td data-label="Actions">${confirmForm(c, revokeRequest(state, token.id))}</td>
	</tr>`,
	)}
	</tbody>
</table>`;
}

async function renderUserPage(
	deps: AppDeps,
	c: DashboardContext,
	state: UserState,
	extras: { minted?: string | null; error?: ShownError | null } = {},
): Promise<Html> {
	const { app, user } = state;
	const page = parsePageNumber(c.req.query("page"));
	const tokens = await listAuthTokens(deps, app.id, user.uid, {
		limit: TOKENS_PER_PAGE,
		offset: (page - 1) * TOKENS_PER_PAGE,
	});
	const base = userPath(app.id, user.uid);
	return renderPage({
		title: user.name,
		session: c.get("operatorSession"),
		notice: noticeFor(c.req.query("notice")),
		crumbs: userCrumbs(app, user.uid).slice(0, 3).concat({ label: user.uid }),
		app: { record: app, current: "users" },
		body: html`${errorSummary(extras.error?.message ?? null, extras.error?.fields ?? {})}
${
	extras.minted
		? html`<section class="alert once" role="status" aria-labelledby="minted">
	<h2 id="minted">New auth token for ${user.uid}</h2>
	<p>Copy it now: it is shown only this once (a reload shows nothing). Use it as the <code>authtoken</code> header, or with <code>CometChat.login(authToken)</code>.</p>
	${copyable("new-auth-token", extras.minted, { secret: true })}
</section>`
		: ""
}
<div class="grid2">
${renderProfile(user, state.live)}
<section class="card" aria-labelledby="mint">
	<h2 id="mint">Mint an auth token</h2>
	<form method="post" action="${base}/tokens">
		${csrfField(c.get("operatorSession").csrfToken)}
		<label for="platform">Platform <span class="hint">Optional, e.g. WEB, ANDROID, IOS.</span></label>
		<input id="platform" name="platform" type="text" maxlength="50">
		<div class="actions"><button type="submit">Mint token</button></div>
	</form>
	<h2>Delete user</h2>
	<p class="muted small">Deactivating keeps the uid taken and can be undone; deleting permanently frees the uid and removes the tokens.</p>
	<div class="actions">${confirmForm(c, deactivateRequest(state))}${confirmForm(c, deleteRequest(state))}</div>
</section>
</div>
<h2>Auth tokens <span class="muted small">(${tokens.total})</span></h2>
${
	tokens.total === 0
		? emptyState("No auth tokens.", "Mint one above, or log the user in from an SDK with an Auth Key.")
		: html`${renderTokensTable(state, tokens.items, c)}
${pagination(base, {}, page, TOKENS_PER_PAGE, tokens.total)}
<div class="actions">${confirmForm(c, flushRequest(state))}</div>`
}`,
	});
}

/** A deactivated user: what they were, and the two ways on (reactivate, delete permanently). */
function renderDeactivatedPage(c: DashboardContext, state: UserState): Html {
	const { app, user } = state;
	return renderPage({
		title: user.name,
		session: c.get("operatorSession"),
		notice: noticeFor(c.req.query("notice")),
		crumbs: userCrumbs(app, user.uid).slice(0, 3).concat({ label: user.uid }),
		app: { record: app, current: "users" },
		body: html`<div class="alert error" role="status"><strong>This user is deactivated</strong> (since ${formatTime(user.deactivatedAt)}): they cannot log in, their auth tokens do not work, and the uid ${user.uid} stays taken. Reactivate them to let them in again with their profile and tokens.</div>
<div class="grid2">
${renderProfile(user, state.live)}
<section class="card" aria-labelledby="lifecycle">
	<h2 id="lifecycle">Reactivate or delete</h2>
	<form method="post" action="${userPath(app.id, user.uid, "/reactivate")}" class="inline">
		${csrfField(c.get("operatorSession").csrfToken)}
		<button type="submit">Reactivate ${user.uid}</button>
	</form>
	<div class="actions">${confirmForm(c, deleteRequest(state))}</div>
</section>
</div>`,
	});
}

/** The user of the path, deactivated or not; 404 (ERR_UID_NOT_FOUND) when there is none. */
async function anyUser(deps: AppDeps, app: AppRecord, uid: string): Promise<UserRecord> {
	const normalized = normalizeUid(uid);
	const found =
		normalized === null
			? null
			: (
					await listUsers(deps, app.id, {
						uids: [normalized],
						searchIn: [],
						deactivated: "include",
						limit: 1,
						offset: 0,
					})
				).items[0];
	return found ?? (await getActiveUser(deps, app.id, uid));
}

/** One user: profile, tokens (mint, revoke, revoke all), deactivate, reactivate, delete permanently. */
export function userPages(deps: AppDeps): Hono<DashboardEnv> {
	const router = new Hono<DashboardEnv>();

	router.get("/apps/:appId/users/:uid", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const user = await anyUser(deps, app, c.req.param("uid"));
		const state = await userState(deps, app, user);
		if (user.deactivatedAt !== null) return c.html(renderDeactivatedPage(c, state));
		// Read once: the flash is deleted as it is read, so a reload of this page shows no secret.
		const flash = await consumeFlash(deps, c, MINTED_TOKEN);
		const minted = flash?.values.uid === user.uid ? (flash.values.token ?? null) : null;
		return c.html(await renderUserPage(deps, c, state, { minted }));
	});

	router.post("/apps/:appId/users/:uid/tokens", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const user = await getActiveUser(deps, app.id, c.req.param("uid"));
		const form = await readForm(c);
		const platform = (form.platform ?? "").trim();
		try {
			const minted = await createAuthToken(asOperator(deps, c), app.id, user.uid, {
				...(platform && { platform }),
				userAgent: "Latchkey dashboard",
			});
			// POST → 303 → GET: the token travels in a one-time flash, so a reload of the landing page mints nothing.
			const flash = await createFlash(deps, c, {
				kind: MINTED_TOKEN,
				values: { uid: user.uid, token: minted.plaintext },
			});
			return c.redirect(userPath(app.id, user.uid, `?notice=token-minted&flash=${flash}`), 303);
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			return c.html(await renderUserPage(deps, c, await userState(deps, app, user), { error: shown }), shown.status);
		}
	});

	router.post("/apps/:appId/users/:uid/tokens/flush", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const user = await getActiveUser(deps, app.id, c.req.param("uid"));
		const pending = await confirmationResponse(c, await readForm(c), flushRequest(await userState(deps, app, user)));
		if (pending) return pending;
		await flushAuthTokens(asOperator(deps, c), app.id, user.uid);
		return c.redirect(userPath(app.id, user.uid, "?notice=tokens-flushed"), 303);
	});

	router.post("/apps/:appId/users/:uid/tokens/:tokenId/revoke", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const user = await getActiveUser(deps, app.id, c.req.param("uid"));
		const tokenId = c.req.param("tokenId");
		const request = revokeRequest(await userState(deps, app, user), tokenId);
		const pending = await confirmationResponse(c, await readForm(c), request);
		if (pending) return pending;
		await deleteAuthToken(asOperator(deps, c), app.id, user.uid, tokenId);
		return c.redirect(userPath(app.id, user.uid, "?notice=token-revoked"), 303);
	});

	router.post("/apps/:appId/users/:uid/delete", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const user = await anyUser(deps, app, c.req.param("uid"));
		const form = await readForm(c);
		const permanent = form.permanent === "1";
		// Deactivating a deactivated user is "not found", as over REST.
		if (!permanent && user.deactivatedAt !== null) await getActiveUser(deps, app.id, user.uid);
		const state = await userState(deps, app, user);
		const pending = await confirmationResponse(c, form, permanent ? deleteRequest(state) : deactivateRequest(state));
		if (pending) return pending;
		await deleteUser(asOperator(deps, c), app.id, user.uid, { permanent });
		const notice = permanent ? "user-deleted" : "user-deactivated";
		return c.redirect(appPath(app.id, `/users?notice=${notice}${permanent ? "" : "&status=deactivated"}`), 303);
	});

	router.post("/apps/:appId/users/:uid/reactivate", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const uid = await reactivateUser(asOperator(deps, c), app.id, c.req.param("uid"));
		return c.redirect(userPath(app.id, uid, "?notice=user-reactivated"), 303);
	});

	return router;
}
