import { randomBytes, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { html } from "hono/html";
import { LatchkeyError } from "../../domain/errors.ts";
import { argon2PasswordHasher, type PasswordHasher } from "../../domain/operator-passwords.ts";
import { createOperatorSession, deleteOperatorSession } from "../../domain/operator-sessions.ts";
import {
	acceptOperatorInvite,
	completeSetup,
	findUsableInvite,
	isSetupPending,
	isSetupTokenUsable,
} from "../../domain/operator-setup.ts";
import { MIN_PASSWORD_LENGTH, signInOperator } from "../../domain/operators.ts";
import type { AppDeps } from "../../web/deps.ts";
import {
	BASE,
	csrfField,
	errorSummary,
	type FieldErrors,
	fieldError,
	type Html,
	invalidAttributes,
	renderPage,
} from "../layout.ts";
import { noticeFor } from "../notices.ts";
import {
	clearDashboardCookie,
	clientAddress,
	csrfRefusedPage,
	type DashboardEnv,
	readForm,
	readOperatorSession,
	requireCSRFToken,
	requireOperator,
	SESSION_COOKIE,
	safeNextPath,
	setDashboardCookie,
	setSessionCookie,
} from "../session.ts";

// Before sign-in there is no session to bind a CSRF token to, so the login form uses a double-submit
// cookie: a cross-site page can make the browser send the cookie but cannot read it to fill the field.
const LOGIN_CSRF_COOKIE = "latchkey_login_csrf";

function sameToken(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length > 0 && left.length === right.length && timingSafeEqual(left, right);
}

interface LoginForm {
	csrfToken: string;
	email: string;
	next: string;
	error: string | null;
	notice: string | null;
	noOperatorYet: boolean;
}

function renderLogin(form: LoginForm): Html {
	return renderPage({
		title: "Sign in",
		narrow: true,
		notice: form.notice,
		body: html`<div class="card">
	${errorSummary(form.error)}
	${
		form.noOperatorYet
			? html`<div class="alert once" role="note">No operator account exists yet. Open the one-time setup link printed in the server log when Latchkey started, or run <code>latchkey admin create --email you@example.com --password-stdin</code>.</div>`
			: ""
	}
	<form method="post" action="${BASE}/login">
		${csrfField(form.csrfToken)}
		<input type="hidden" name="next" value="${form.next}">
		<label for="email">Email</label>
		<input id="email" name="email" type="email" autocomplete="username" required value="${form.email}"${form.error ? html` aria-invalid="true"` : ""}>
		<label for="password">Password</label>
		<input id="password" name="password" type="password" autocomplete="current-password" required>
		<div class="actions"><button type="submit">Sign in</button></div>
	</form>
</div>`,
	});
}

interface SetupForm {
	token: string;
	email: string;
	message: string | null;
	fields: FieldErrors;
}

function renderSetup(form: SetupForm): Html {
	return renderPage({
		title: "Create the first operator",
		narrow: true,
		body: html`<div class="card">
	<p>This one-time link creates the account that runs this Latchkey console. It stops working once used.</p>
	${errorSummary(form.message, form.fields)}
	<form method="post" action="${BASE}/setup">
		<input type="hidden" name="token" value="${form.token}">
		<label for="email">Email</label>
		<input id="email" name="email" type="email" autocomplete="username" required value="${form.email}"${invalidAttributes(form.fields, "email")}>
		${fieldError(form.fields, "email")}
		<label for="password">Password <span class="hint">At least ${MIN_PASSWORD_LENGTH} characters.</span></label>
		<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}"${invalidAttributes(form.fields, "password")}>
		${fieldError(form.fields, "password")}
		<label for="confirm">Repeat the password</label>
		<input id="confirm" name="confirm" type="password" autocomplete="new-password" required${invalidAttributes(form.fields, "confirm")}>
		${fieldError(form.fields, "confirm")}
		<div class="actions"><button type="submit">Create operator and sign in</button></div>
	</form>
</div>`,
	});
}

function renderSetupGone(): Html {
	return renderPage({
		title: "Setup link not valid",
		narrow: true,
		body: html`<div class="card">
	<p>This setup link has already been used, has expired, or an operator exists already.</p>
	<p>If you already have an account, <a href="${BASE}/login">sign in</a>. Otherwise restart Latchkey to print a new link, or run <code>latchkey admin create --email you@example.com --password-stdin</code>.</p>
</div>`,
	});
}

interface InviteForm {
	token: string;
	email: string;
	name: string;
	message: string | null;
	fields: FieldErrors;
}

function renderInvite(form: InviteForm): Html {
	return renderPage({
		title: "Join this Latchkey console",
		narrow: true,
		body: html`<div class="card">
	<p>You were invited to run this Latchkey console as <strong>${form.email}</strong>. Choose your name and a password; this link stops working once used.</p>
	${errorSummary(form.message, form.fields)}
	<form method="post" action="${BASE}/invite">
		<input type="hidden" name="token" value="${form.token}">
		<label for="email">Email</label>
		<input id="email" name="email" type="email" autocomplete="username" value="${form.email}" readonly>
		<label for="name">Your name</label>
		<input id="name" name="name" type="text" autocomplete="name" required maxlength="100" value="${form.name}"${invalidAttributes(form.fields, "name")}>
		${fieldError(form.fields, "name")}
		<label for="password">Password <span class="hint">At least ${MIN_PASSWORD_LENGTH} characters.</span></label>
		<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}"${invalidAttributes(form.fields, "password")}>
		${fieldError(form.fields, "password")}
		<label for="confirm">Repeat the password</label>
		<input id="confirm" name="confirm" type="password" autocomplete="new-password" required${invalidAttributes(form.fields, "confirm")}>
		${fieldError(form.fields, "confirm")}
		<div class="actions"><button type="submit">Create my account and sign in</button></div>
	</form>
</div>`,
	});
}

function renderInviteGone(): Html {
	return renderPage({
		title: "Invite link not valid",
		narrow: true,
		body: html`<div class="card">
	<p>This invite link has already been used, was withdrawn, or has expired.</p>
	<p>If you already have an account, <a href="${BASE}/login">sign in</a>. Otherwise ask an operator for a new invite.</p>
</div>`,
	});
}

function passwordHasher(deps: AppDeps): PasswordHasher {
	return deps.dashboard?.passwordHasher ?? argon2PasswordHasher;
}

/** Sign-in, sign-out and first-run setup. */
export function authPages(deps: AppDeps): Hono<DashboardEnv> {
	const router = new Hono<DashboardEnv>();
	const hasher = passwordHasher(deps);

	router.get("/login", async (c) => {
		if (await readOperatorSession(deps, c)) return c.redirect(`${BASE}/apps`, 303);
		let csrfToken = getCookie(c, LOGIN_CSRF_COOKIE) ?? "";
		if (!/^[\w-]{43}$/.test(csrfToken)) {
			csrfToken = randomBytes(32).toString("base64url");
			setDashboardCookie(deps, c, LOGIN_CSRF_COOKIE, csrfToken);
		}
		return c.html(
			renderLogin({
				csrfToken,
				email: "",
				next: safeNextPath(c.req.query("next")),
				error: null,
				notice: noticeFor(c.req.query("notice")),
				noOperatorYet: await isSetupPending(deps),
			}),
		);
	});

	router.post("/login", async (c) => {
		const form = await readForm(c);
		const csrfToken = getCookie(c, LOGIN_CSRF_COOKIE) ?? "";
		if (!sameToken(csrfToken, form._csrf ?? "")) return c.html(csrfRefusedPage(), 403);
		const email = (form.email ?? "").slice(0, 320);
		const view = { csrfToken, email, next: safeNextPath(form.next), notice: null, noOperatorYet: false };
		try {
			const operator = await signInOperator(deps, hasher, email, form.password ?? "", {
				source: clientAddress(deps, c),
			});
			if (!operator) return c.html(renderLogin({ ...view, error: "The email or password is wrong." }), 401);
			const { cookieValue } = await createOperatorSession(deps, operator);
			setSessionCookie(deps, c, cookieValue);
			clearDashboardCookie(deps, c, LOGIN_CSRF_COOKIE);
			return c.redirect(view.next, 303);
		} catch (error) {
			if (error instanceof LatchkeyError && error.code === "ERR_TOO_MANY_REQUESTS") {
				const retry = error.details.retryAfterSeconds;
				if (typeof retry === "number") c.header("Retry-After", String(retry));
				return c.html(renderLogin({ ...view, error: error.message }), 429);
			}
			throw error;
		}
	});

	router.get("/setup", async (c) => {
		const token = c.req.query("token") ?? "";
		if (!(await isSetupTokenUsable(deps, token))) return c.html(renderSetupGone(), 410);
		return c.html(renderSetup({ token, email: "", message: null, fields: {} }));
	});

	router.post("/setup", async (c) => {
		const form = await readForm(c);
		const token = form.token ?? "";
		const email = (form.email ?? "").slice(0, 320);
		const password = form.password ?? "";
		if (password !== (form.confirm ?? "")) {
			const fields = { confirm: ["The two passwords are not the same."] };
			return c.html(renderSetup({ token, email, message: "Check the form.", fields }), 400);
		}
		try {
			const operator = await completeSetup(deps, hasher, token, { email, password });
			if (!operator) return c.html(renderSetupGone(), 410);
			const { cookieValue } = await createOperatorSession(deps, operator);
			setSessionCookie(deps, c, cookieValue);
			return c.redirect(`${BASE}/apps?notice=welcome`, 303);
		} catch (error) {
			if (error instanceof LatchkeyError && error.code === "ERR_BAD_REQUEST") {
				const fields = error.details as FieldErrors;
				return c.html(renderSetup({ token, email, message: error.message, fields }), 400);
			}
			throw error;
		}
	});

	router.get("/invite", async (c) => {
		const token = c.req.query("token") ?? "";
		const invite = await findUsableInvite(deps, token);
		if (!invite) return c.html(renderInviteGone(), 410);
		return c.html(renderInvite({ token, email: invite.email, name: "", message: null, fields: {} }));
	});

	// Like the setup form, the invite form carries its own secret (the token), which a page on another site
	// does not have; hono/csrf's origin check applies as well.
	router.post("/invite", async (c) => {
		const form = await readForm(c);
		const token = form.token ?? "";
		const invite = await findUsableInvite(deps, token);
		if (!invite) return c.html(renderInviteGone(), 410);
		const view = { token, email: invite.email, name: (form.name ?? "").slice(0, 200) };
		if ((form.password ?? "") !== (form.confirm ?? "")) {
			const fields = { confirm: ["The two passwords are not the same."] };
			return c.html(renderInvite({ ...view, message: "Check the form.", fields }), 400);
		}
		try {
			const operator = await acceptOperatorInvite(deps, hasher, token, {
				name: form.name ?? "",
				password: form.password ?? "",
			});
			if (!operator) return c.html(renderInviteGone(), 410);
			const { cookieValue } = await createOperatorSession(deps, operator);
			setSessionCookie(deps, c, cookieValue);
			return c.redirect(`${BASE}/apps?notice=welcome`, 303);
		} catch (error) {
			if (error instanceof LatchkeyError && error.code === "ERR_BAD_REQUEST") {
				const fields = error.details as FieldErrors;
				return c.html(renderInvite({ ...view, message: error.message, fields }), 400);
			}
			throw error;
		}
	});

	router.post("/logout", requireOperator(deps), requireCSRFToken(), async (c) => {
		await deleteOperatorSession(deps, c.get("operatorSession"));
		clearDashboardCookie(deps, c, SESSION_COOKIE);
		return c.redirect(`${BASE}/login?notice=signed-out`, 303);
	});

	return router;
}
