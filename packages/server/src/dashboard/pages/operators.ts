import { Hono } from "hono";
import { html } from "hono/html";
import { LatchkeyError } from "../../domain/errors.ts";
import { argon2PasswordHasher } from "../../domain/operator-passwords.ts";
import {
	INVITE_TTL_MS,
	inviteOperator,
	listPendingInvites,
	revokeOperatorInvite,
} from "../../domain/operator-setup.ts";
import {
	changeOperatorPassword,
	listOperators,
	MIN_PASSWORD_LENGTH,
	removeOperator,
	signOutEverywhere,
} from "../../domain/operators.ts";
import type { OperatorInviteRecord, OperatorSummary } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { type ConfirmRequest, confirmationResponse, confirmForm } from "../confirm.ts";
import { type ShownError, showError } from "../errors.ts";
import { consumeFlash, createFlash } from "../flash.ts";
import {
	BASE,
	copyable,
	csrfField,
	errorSummary,
	fieldError,
	formatTime,
	type Html,
	invalidAttributes,
	renderPage,
} from "../layout.ts";
import {
	clearDashboardCookie,
	clientAddress,
	type DashboardContext,
	type DashboardEnv,
	readForm,
	SESSION_COOKIE,
} from "../session.ts";

export const OPERATORS_PATH = `${BASE}/operators`;

/** This page's one-line confirmations after a redirect: a fixed table, so a crafted link shows only these. */
const NOTICES: Readonly<Record<string, string>> = {
	"operator-removed": "The operator was removed. Their sessions have ended.",
	"invite-revoked": "The invite was withdrawn. Its link no longer works.",
	"password-changed": "Your password was changed. Your other sessions have ended.",
	invited: "The invite was created.",
};

/** The flash kind that carries a new invite's link from the POST to the page its redirect lands on. */
const INVITE_FLASH = "operator-invite";

interface InvitedView {
	email: string;
	link: string;
}

interface OperatorsView {
	invited?: InvitedView;
	inviteForm?: { email: string; error: ShownError };
	passwordError?: ShownError;
}

function removeRequest(operator: OperatorSummary, self: boolean): ConfirmRequest {
	return {
		action: `${OPERATORS_PATH}/${encodeURIComponent(operator.id)}/remove`,
		label: "Remove operator",
		message: self
			? `Remove your own account ${operator.email}: you are signed out at once and cannot sign in again.`
			: `Remove operator ${operator.email}: they can no longer sign in, and every session of theirs ends at once.`,
		cancelHref: OPERATORS_PATH,
		ariaLabel: `Remove operator ${operator.email}`,
		small: true,
		page: { crumbs: [{ label: "Operators", href: OPERATORS_PATH }] },
	};
}

function withdrawRequest(invite: OperatorInviteRecord): ConfirmRequest {
	return {
		action: `${OPERATORS_PATH}/invites/${encodeURIComponent(invite.id)}/revoke`,
		label: "Withdraw invite",
		message: `Withdraw the invite for ${invite.email}: its link stops working.`,
		cancelHref: OPERATORS_PATH,
		ariaLabel: `Withdraw the invite for ${invite.email}`,
		small: true,
		page: { crumbs: [{ label: "Operators", href: OPERATORS_PATH }] },
	};
}

function renderOperatorsTable(c: DashboardContext, operators: OperatorSummary[]): Html {
	const session = c.get("operatorSession");
	const onlyOne = operators.length <= 1;
	return html`<table>
	<thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Added</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
	<tbody>
	${operators.map(
		(operator) => html`<tr>
		<td data-label="Email">${operator.email}${operator.id === session.operator.id ? html` <span class="badge">you</span>` : ""}</td>
		<td data-label="Name">${operator.name ?? html`<span class="muted">none</span>`}</td>
		<td data-label="Added">${formatTime(operator.createdAt)}</td>
		<td data-label="Actions">${
			onlyOne
				? html`<span class="muted small">The only operator cannot be removed.</span>`
				: confirmForm(c, removeRequest(operator, operator.id === session.operator.id))
		}</td>
	</tr>`,
	)}
	</tbody>
</table>`;
}

function renderInvites(c: DashboardContext, invites: OperatorInviteRecord[]): Html {
	if (invites.length === 0) return html``;
	return html`<h2 id="pending">Pending invites</h2>
<table aria-labelledby="pending">
	<thead><tr><th scope="col">Email</th><th scope="col">Invited by</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
	<tbody>
	${invites.map(
		(invite) => html`<tr>
		<td data-label="Email">${invite.email}</td>
		<td data-label="Invited by">${invite.invitedBy}</td>
		<td data-label="Expires">${formatTime(invite.expiresAt)}</td>
		<td data-label="Actions">${confirmForm(c, withdrawRequest(invite))}</td>
	</tr>`,
	)}
	</tbody>
</table>`;
}

function renderInvited(invited: InvitedView): Html {
	const hours = INVITE_TTL_MS / 3_600_000;
	return html`<section class="alert once" role="status" aria-labelledby="invited-title">
	<h2 id="invited-title">Invite for ${invited.email} created</h2>
	<p>Send this link to them yourself (Latchkey sends no email). It works once, for ${hours} hours, and is shown only now: only a hash is stored.</p>
	${copyable("invite-link", invited.link, { secret: true })}
</section>`;
}

function renderInviteForm(c: DashboardContext, form: OperatorsView["inviteForm"]): Html {
	const fields = form?.error.fields ?? {};
	return html`<section class="card" aria-labelledby="invite">
	<h2 id="invite">Invite an operator</h2>
	${errorSummary(form?.error.message ?? null, fields)}
	<form method="post" action="${OPERATORS_PATH}/invite">
		${csrfField(c.get("operatorSession").csrfToken)}
		<label for="invite-email">Email <span class="hint">Their sign-in name. They choose their own name and password.</span></label>
		<input id="invite-email" name="email" type="email" required maxlength="320" value="${form?.email ?? ""}"${invalidAttributes(fields, "email")}>
		${fieldError(fields, "email")}
		<div class="actions"><button type="submit">Create invite link</button></div>
	</form>
</section>`;
}

function renderAccount(c: DashboardContext, error: ShownError | undefined): Html {
	const session = c.get("operatorSession");
	const fields = error?.fields ?? {};
	return html`<section class="card" aria-labelledby="account">
	<h2 id="account">Your account</h2>
	<p class="muted">Signed in as ${session.operator.email}.</p>
	<h3 id="password-title">Change your password</h3>
	${errorSummary(error?.message ?? null, fields)}
	<form method="post" action="${BASE}/account/password" aria-labelledby="password-title">
		${csrfField(session.csrfToken)}
		<input type="email" name="username" autocomplete="username" value="${session.operator.email}" hidden>
		<label for="currentPassword">Current password</label>
		<input id="currentPassword" name="currentPassword" type="password" autocomplete="current-password" required${invalidAttributes(fields, "currentPassword")}>
		${fieldError(fields, "currentPassword")}
		<label for="newPassword">New password <span class="hint">At least ${MIN_PASSWORD_LENGTH} characters.</span></label>
		<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}"${invalidAttributes(fields, "newPassword")}>
		${fieldError(fields, "newPassword")}
		<label for="confirmPassword">Repeat the new password</label>
		<input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required${invalidAttributes(fields, "confirmPassword")}>
		${fieldError(fields, "confirmPassword")}
		<div class="actions"><button type="submit">Change password</button></div>
	</form>
	<h3 id="everywhere-title">Sign out everywhere</h3>
	<p>Ends every session of your account, on every device, this one included.</p>
	<form method="post" action="${BASE}/account/sign-out-everywhere" aria-labelledby="everywhere-title">
		${csrfField(session.csrfToken)}
		<button type="submit" class="secondary">Sign out everywhere</button>
	</form>
</section>`;
}

async function renderOperatorsPage(deps: AppDeps, c: DashboardContext, view: OperatorsView = {}): Promise<Html> {
	const [operators, invites] = await Promise.all([listOperators(deps), listPendingInvites(deps)]);
	const notice = c.req.query("notice");
	return renderPage({
		title: "Operators",
		session: c.get("operatorSession"),
		crumbs: [{ label: "Apps", href: `${BASE}/apps` }, { label: "Operators" }],
		notice: notice ? (NOTICES[notice] ?? null) : null,
		body: html`${view.invited ? renderInvited(view.invited) : ""}
<p class="muted">Operators are the people who can use this console. Each signs in with their own email and password.</p>
${renderOperatorsTable(c, operators)}
${renderInvites(c, invites)}
${renderInviteForm(c, view.inviteForm)}
${renderAccount(c, view.passwordError)}`,
	});
}

/** The public origin the invite link points at: the configured public URL, else this request's origin. */
function consoleOrigin(deps: AppDeps, c: DashboardContext): string {
	return (deps.dashboard?.publicURL ?? new URL(c.req.url).origin).replace(/\/+$/, "");
}

function inviteGone(): LatchkeyError {
	return new LatchkeyError(
		"ERR_BAD_REQUEST",
		"That invite does not exist any more: it was used, withdrawn or has expired.",
	);
}

function operatorGone(): LatchkeyError {
	return new LatchkeyError("ERR_BAD_REQUEST", "That operator does not exist any more.");
}

function endSessionCookie(deps: AppDeps, c: DashboardContext): Response {
	clearDashboardCookie(deps, c, SESSION_COOKIE);
	return c.redirect(`${BASE}/login?notice=signed-out`, 303);
}

/** Operators: the list, invites, removal; the signed-in operator's password and sessions. */
export function operatorsPages(deps: AppDeps): Hono<DashboardEnv> {
	const router = new Hono<DashboardEnv>();
	const hasher = deps.dashboard?.passwordHasher ?? argon2PasswordHasher;

	router.get("/operators", async (c) => {
		// Read once: the flash is deleted as it is read, so a reload shows the link no more.
		const flash = await consumeFlash(deps, c, INVITE_FLASH);
		const invited =
			flash?.values.email && flash.values.link ? { email: flash.values.email, link: flash.values.link } : undefined;
		return c.html(await renderOperatorsPage(deps, c, invited ? { invited } : {}));
	});

	router.post("/operators/invite", async (c) => {
		const form = await readForm(c);
		const email = (form.email ?? "").slice(0, 320);
		try {
			const issued = await inviteOperator(deps, c.get("operatorSession").operator, { email });
			const link = `${consoleOrigin(deps, c)}${BASE}/invite?token=${encodeURIComponent(issued.token)}`;
			// POST → 303 → GET: the link travels in a one-time flash, so a reload of the landing page invites nobody.
			const flash = await createFlash(deps, c, { kind: INVITE_FLASH, values: { email: issued.invite.email, link } });
			return c.redirect(`${OPERATORS_PATH}?notice=invited&flash=${flash}`, 303);
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			return c.html(await renderOperatorsPage(deps, c, { inviteForm: { email, error: shown } }), shown.status);
		}
	});

	router.post("/operators/invites/:inviteId/revoke", async (c) => {
		const inviteId = c.req.param("inviteId");
		const invite = (await listPendingInvites(deps)).find((pending) => pending.id === inviteId);
		if (!invite) throw inviteGone();
		const pending = await confirmationResponse(c, await readForm(c), withdrawRequest(invite));
		if (pending) return pending;
		if (!(await revokeOperatorInvite(deps, inviteId))) throw inviteGone();
		return c.redirect(`${OPERATORS_PATH}?notice=invite-revoked`, 303);
	});

	router.post("/operators/:operatorId/remove", async (c) => {
		const operatorId = c.req.param("operatorId");
		const operator = (await listOperators(deps)).find((candidate) => candidate.id === operatorId);
		if (!operator) throw operatorGone();
		const self = operator.id === c.get("operatorSession").operator.id;
		const pending = await confirmationResponse(c, await readForm(c), removeRequest(operator, self));
		if (pending) return pending;
		if (!(await removeOperator(deps, operatorId))) throw operatorGone();
		// Removing oneself ends this session too.
		if (self) return endSessionCookie(deps, c);
		return c.redirect(`${OPERATORS_PATH}?notice=operator-removed`, 303);
	});

	router.post("/account/password", async (c) => {
		const form = await readForm(c);
		if ((form.newPassword ?? "") !== (form.confirmPassword ?? "")) {
			const passwordError: ShownError = {
				status: 400,
				message: "Check the form.",
				fields: { confirmPassword: ["The two new passwords are not the same."] },
			};
			return c.html(await renderOperatorsPage(deps, c, { passwordError }), 400);
		}
		try {
			await changeOperatorPassword(
				deps,
				hasher,
				c.get("operatorSession"),
				{ currentPassword: form.currentPassword ?? "", newPassword: form.newPassword ?? "" },
				{ source: clientAddress(deps, c) },
			);
			return c.redirect(`${OPERATORS_PATH}?notice=password-changed`, 303);
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			if (error instanceof LatchkeyError && typeof error.details.retryAfterSeconds === "number") {
				c.header("Retry-After", String(error.details.retryAfterSeconds));
			}
			return c.html(await renderOperatorsPage(deps, c, { passwordError: shown }), shown.status);
		}
	});

	router.post("/account/sign-out-everywhere", async (c) => {
		await signOutEverywhere(deps, c.get("operatorSession").operator.id);
		return endSessionCookie(deps, c);
	});

	return router;
}
