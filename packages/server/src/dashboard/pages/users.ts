import { Hono } from "hono";
import { html, raw } from "hono/html";
import { asOperator } from "../../audit/bind.ts";
import { getApp } from "../../domain/apps.ts";
import { createUser, getActiveUser, listUsers, updateUser } from "../../domain/users.ts";
import type { AppRecord, UserRecord } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { type ShownError, showError } from "../errors.ts";
import {
	appPath,
	avatarInitial,
	BASE,
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
import { renderUserFields, type UserFormValues, userFormValues, userFormValuesOf, userInput } from "../user-form.ts";
import { liveSocketCount } from "./user.ts";

const USERS_PER_PAGE = 20;

type UserFilter = "active" | "deactivated";

/** `?sort=newest`: creation time descending (equal times by uid); anything else is uid order. */
type UserOrder = "uid" | "newest";

/** The list's address with the given query parameters (empty ones left out), so each link keeps the others. */
function usersListHref(path: string, params: Record<string, string | undefined>): string {
	const query = new URLSearchParams();
	for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
	const text = query.toString();
	return text ? `${path}?${text}` : path;
}

/** The Status cell: when the user was deactivated, or their live sockets ("—" when the server does not count them). */
function renderStatus(user: UserRecord, live: number | null): Html {
	if (user.deactivatedAt !== null) return html`<span class="badge off">deactivated</span>`;
	if (live === null) return html`<span class="muted">—</span>`;
	return live > 0
		? html`<span class="badge on">online</span> <span class="small">${live} socket${live === 1 ? "" : "s"}</span>`
		: html`<span class="muted">offline</span>`;
}

function renderUsersTable(app: AppRecord, users: UserRecord[], live: Array<number | null>): Html {
	return html`<table>
	<thead><tr><th scope="col">User</th><th scope="col">UID</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
	<tbody>
	${users.map(
		(user, index) => html`<tr>
		<td data-label="User"><span class="who-cell">${avatarInitial(user.name)}<a href="${userPath(app.id, user.uid)}">${user.name}</a>${user.isSample ? html` <span class="badge sample">sample</span>` : ""}</span></td>
		<td data-label="UID"><code>${user.uid}</code></td>
		<td data-label="Role">${user.role}</td>
		<td data-label="Status">${renderStatus(user, live[index] ?? null)}</td>
		<td data-label="Created">${formatTime(user.createdAt)}</td>
	</tr>`,
	)}
	</tbody>
</table>`;
}

function renderUserFormPage(
	c: DashboardContext,
	app: AppRecord,
	values: UserFormValues,
	error: ShownError | null,
	options: { mode: "create" | "edit"; user?: UserRecord },
): Html {
	const editing = options.mode === "edit" && options.user;
	const action = editing ? userPath(app.id, values.uid, "/edit") : appPath(app.id, "/users");
	// The create form is not under /users/ so that every uid there, `new` included, is a user's page.
	const crumbs = [
		{ label: "Apps", href: `${BASE}/apps` },
		{ label: app.name, href: appPath(app.id) },
		{ label: "Users", href: appPath(app.id, "/users") },
		...(editing ? [{ label: values.uid, href: userPath(app.id, values.uid) }] : []),
	];
	return renderPage({
		title: editing ? `Edit ${options.user?.name ?? values.uid}` : "New user",
		session: c.get("operatorSession"),
		crumbs,
		app: { record: app, current: "users" },
		body: html`<div class="card">
	${errorSummary(error?.message ?? null, error?.fields ?? {})}
	<form method="post" action="${action}">
		${renderUserFields(values, error?.fields ?? {}, { csrfToken: c.get("operatorSession").csrfToken, mode: options.mode })}
		<div class="actions"><button type="submit">${editing ? "Save changes" : "Create user"}</button>
		<a href="${editing ? userPath(app.id, values.uid) : appPath(app.id, "/users")}">Cancel</a></div>
	</form>
</div>`,
	});
}

/** An app's users: search and pages, create, edit, delete. The user's own page is in user.ts. */
export function usersPages(deps: AppDeps): Hono<DashboardEnv> {
	const router = new Hono<DashboardEnv>();

	router.get("/apps/:appId/users", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const page = parsePageNumber(c.req.query("page"));
		const search = (c.req.query("q") ?? "").trim().slice(0, 100);
		const filter: UserFilter = c.req.query("status") === "deactivated" ? "deactivated" : "active";
		const order: UserOrder = c.req.query("sort") === "newest" ? "newest" : "uid";
		const result = await listUsers(deps, app.id, {
			limit: USERS_PER_PAGE,
			offset: (page - 1) * USERS_PER_PAGE,
			searchIn: ["uid", "name"],
			deactivated: filter === "deactivated" ? "only" : "exclude",
			order,
			...(search && { searchKey: search }),
		});
		const live = await Promise.all(
			result.items.map((user) =>
				user.deactivatedAt === null ? liveSocketCount(deps, app.id, user.uid) : Promise.resolve(null),
			),
		);
		const params: Record<string, string> = {
			...(search && { q: search }),
			...(filter === "deactivated" && { status: filter }),
			...(order === "newest" && { sort: order }),
		};
		const empty = search
			? emptyState(`No user's uid or name starts with “${search}”.`, "Try fewer letters, or create the user.")
			: filter === "deactivated"
				? emptyState("No deactivated users.", "A user deactivated here or with DELETE /v3/users/{uid} shows up here.")
				: emptyState(
						"This app has no users yet.",
						html`Create one here, or from your backend with <code>POST /v3/users</code>.`,
					);
		const usersPath = appPath(app.id, "/users");
		return c.html(
			renderPage({
				title: "Users",
				session: c.get("operatorSession"),
				notice: noticeFor(c.req.query("notice")),
				crumbs: [
					{ label: "Apps", href: `${BASE}/apps` },
					{ label: app.name, href: appPath(app.id) },
					{ label: "Users" },
				],
				app: { record: app, current: "users" },
				body: html`<nav class="filters" aria-label="Which users">
	<a href="${usersListHref(usersPath, { sort: params.sort })}"${filter === "active" ? raw(' aria-current="page"') : ""}>Active</a>
	<a href="${usersListHref(usersPath, { status: "deactivated", sort: params.sort })}"${filter === "deactivated" ? raw(' aria-current="page"') : ""}>Deactivated</a>
</nav>
<nav class="filters" aria-label="Order">
	<a href="${usersListHref(usersPath, { q: params.q, status: params.status })}"${order === "uid" ? raw(' aria-current="page"') : ""}>By uid</a>
	<a href="${usersListHref(usersPath, { q: params.q, status: params.status, sort: "newest" })}"${order === "newest" ? raw(' aria-current="page"') : ""}>Newest first</a>
</nav>
<div class="toolbar">
	<form method="get" action="${usersPath}" role="search">
		${filter === "deactivated" ? html`<input type="hidden" name="status" value="deactivated">` : ""}
		${order === "newest" ? html`<input type="hidden" name="sort" value="newest">` : ""}
		<label for="q" class="visually-hidden">Search users</label>
		<input id="q" name="q" type="search" placeholder="uid or name" aria-describedby="q-hint" value="${search}">
		<button type="submit" class="secondary">Search</button>
	</form>
	<a class="button" href="${appPath(app.id, "/new-user")}">New user</a>
</div>
<p id="q-hint" class="visually-hidden">Matches the start of a uid or name.</p>
${result.items.length === 0 ? empty : renderUsersTable(app, result.items, live)}
${pagination(usersPath, params, page, USERS_PER_PAGE, result.total)}`,
			}),
		);
	});

	router.get("/apps/:appId/new-user", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		return c.html(renderUserFormPage(c, app, userFormValues({}), null, { mode: "create" }));
	});

	router.post("/apps/:appId/users", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const values = userFormValues(await readForm(c));
		try {
			const { user } = await createUser(asOperator(deps, c), app.id, userInput(values, "create"));
			return c.redirect(userPath(app.id, user.uid, "?notice=user-created"), 303);
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			return c.html(renderUserFormPage(c, app, values, shown, { mode: "create" }), shown.status);
		}
	});

	router.get("/apps/:appId/users/:uid/edit", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const user = await getActiveUser(deps, app.id, c.req.param("uid"));
		return c.html(renderUserFormPage(c, app, userFormValuesOf(user), null, { mode: "edit", user }));
	});

	router.post("/apps/:appId/users/:uid/edit", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const user = await getActiveUser(deps, app.id, c.req.param("uid"));
		const values = { ...userFormValues(await readForm(c)), uid: user.uid };
		try {
			await updateUser(asOperator(deps, c), app.id, user.uid, userInput(values, "edit"));
			return c.redirect(userPath(app.id, user.uid, "?notice=user-updated"), 303);
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			return c.html(renderUserFormPage(c, app, values, shown, { mode: "edit", user }), shown.status);
		}
	});

	return router;
}
