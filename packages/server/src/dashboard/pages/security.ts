import { Hono } from "hono";
import { html, raw } from "hono/html";
import { asOperator } from "../../audit/bind.ts";
import { getApp } from "../../domain/apps.ts";
import { type SecuritySettings, securityOf, updateSecuritySettings } from "../../domain/security.ts";
import type { AppRecord } from "../../store/store.ts";
import type { AppDeps } from "../../web/deps.ts";
import { type ConfirmRequest, confirmationResponse } from "../confirm.ts";
import { type ShownError, showError } from "../errors.ts";
import {
	appPath,
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
	groupListErrors,
	type SecurityFormValues,
	securityChanges,
	securityFormValues,
	securityFormValuesOf,
	TIMEOUT_UNITS,
	type TimeoutField,
} from "../security-form.ts";
import { type DashboardContext, type DashboardEnv, readForm } from "../session.ts";

const AUTH_KEY_LOGIN_CHOICES = [
	["enabled", "Enabled", "CometChat's behaviour: anyone with the Auth Key can log in as, or create, any uid."],
	["disabled", "Disabled", "Every Auth Key request is refused; your backend logs users in with a REST API Key."],
	["allowlist", "Allowlist", "Only the uids below, and, when origins are listed, only from those browser origins."],
] as const;

/** "1 day", "90 minutes": the largest unit that holds the seconds exactly. */
function humanDuration(seconds: number): string {
	for (const [unit, size] of [
		["day", 86_400],
		["hour", 3600],
		["minute", 60],
	] as const) {
		if (seconds % size === 0) return `${seconds / size} ${unit}${seconds === size ? "" : "s"}`;
	}
	return `${seconds} seconds`;
}

function renderTimeout(seconds: number | null): Html {
	if (seconds === null) return html`<span class="muted">never</span>`;
	return html`${humanDuration(seconds)} <span class="muted small">(${seconds.toLocaleString("en-US")} s)</span>`;
}

function renderList(items: string[], empty: string): Html {
	if (items.length === 0) return html`<span class="muted">${empty}</span>`;
	return html`<ul class="plain">${items.map((item) => html`<li><code>${item}</code></li>`)}</ul>`;
}

/** What is in force, and for each setting whether this server enforces it yet: the page must not promise more. */
function renderInForce(settings: SecuritySettings): Html {
	return html`<section class="card" aria-labelledby="in-force">
	<h2 id="in-force">In force</h2>
	<dl class="kv" id="settings-in-force">
		<dt>Idle timeout</dt><dd>${renderTimeout(settings.tokenIdleTimeoutSeconds)}</dd>
		<dt>Maximum lifetime</dt><dd>${renderTimeout(settings.tokenMaxLifetimeSeconds)}</dd>
		<dt>Auth Key login</dt><dd><code>${settings.authKeyLogin}</code></dd>
		<dt>Allowed uids</dt><dd>${renderList(settings.authKeyUidAllowlist, "none")}</dd>
		<dt>Allowed origins</dt><dd>${renderList(settings.authKeyOriginAllowlist, "any")}</dd>
		<dt>Production mode</dt><dd>${settings.productionMode ? "on" : "off"}</dd>
		<dt>Token storage</dt><dd><code>${settings.tokenStorage}</code></dd>
	</dl>
	<p class="muted small">Enforced now: both timeouts (an expired token is refused like a deleted one and its sockets close), the Auth Key settings, production mode (the sample users SUPERHERO1–5 cannot log in) and retrievable storage (it needs LATCHKEY_TOKEN_ENCRYPTION_KEY).</p>
</section>`;
}

function renderTimeoutField(
	field: TimeoutField,
	label: string,
	hint: string,
	value: { amount: string; unit: string },
	fields: FieldErrors,
): Html {
	const id = field === "tokenIdleTimeoutSeconds" ? "tokenIdleTimeout" : "tokenMaxLifetime";
	return html`<label for="${id}">${label} <span class="hint">${hint} Leave empty for never; at least 1 minute, at most 10 years.</span></label>
		<div class="inline-fields">
			<input id="${id}" name="${id}" type="text" inputmode="numeric" maxlength="12" value="${value.amount}"${invalidAttributes(fields, field)}>
			<select name="${id}Unit" aria-label="${label} unit">
				${TIMEOUT_UNITS.map((unit) => html`<option value="${unit.name}"${value.unit === unit.name ? raw(" selected") : ""}>${unit.name}</option>`)}
			</select>
		</div>
		${fieldError(fields, field)}`;
}

function renderSecurityForm(
	c: DashboardContext,
	app: AppRecord,
	values: SecurityFormValues,
	fields: FieldErrors,
): Html {
	return html`<section class="card" aria-labelledby="edit-security">
	<h2 id="edit-security">Change settings</h2>
	<p class="muted small">Changes apply at once on every node, to existing tokens too: lowering a timeout ends the tokens already past it.</p>
	<form method="post" action="${appPath(app.id, "/security")}">
		${csrfField(c.get("operatorSession").csrfToken)}
		${renderTimeoutField("tokenIdleTimeoutSeconds", "Idle timeout", "A token unused this long is refused.", values.tokenIdleTimeoutSeconds, fields)}
		${renderTimeoutField("tokenMaxLifetimeSeconds", "Maximum lifetime", "A token older than this is refused, however much it is used.", values.tokenMaxLifetimeSeconds, fields)}
		<fieldset>
			<legend>Auth Key login</legend>
			${AUTH_KEY_LOGIN_CHOICES.map(
				([value, label, hint]) =>
					html`<label class="check"><input type="radio" name="authKeyLogin" value="${value}"${values.authKeyLogin === value ? raw(" checked") : ""}> <span>${label} <span class="hint">${hint}</span></span></label>`,
			)}
			${fieldError(fields, "authKeyLogin")}
		</fieldset>
		<label for="authKeyUidAllowlist">Allowed uids <span class="hint">Under Allowlist, the uids the Auth Key may log in and create, one a line (at most 1,000).</span></label>
		<textarea id="authKeyUidAllowlist" name="authKeyUidAllowlist" spellcheck="false"${invalidAttributes(fields, "authKeyUidAllowlist")}>${values.authKeyUidAllowlist}</textarea>
		${fieldError(fields, "authKeyUidAllowlist")}
		<label for="authKeyOriginAllowlist">Allowed origins <span class="hint">Under Allowlist, the browser origins Auth Key requests may come from, one a line, such as https://app.example.com. Empty: any.</span></label>
		<textarea id="authKeyOriginAllowlist" name="authKeyOriginAllowlist" spellcheck="false"${invalidAttributes(fields, "authKeyOriginAllowlist")}>${values.authKeyOriginAllowlist}</textarea>
		${fieldError(fields, "authKeyOriginAllowlist")}
		<label class="check"><input type="checkbox" id="productionMode" name="productionMode" value="1"${values.productionMode ? raw(" checked") : ""}${invalidAttributes(fields, "productionMode")}> Production mode</label>
		<p class="hint">Also turns Auth Key login off, unless Auth Key login has ever been set for this app (here, with the CLI or the API). The sample users SUPERHERO1–5 made with the app cannot log in while it is on (their sessions end when you turn it on); delete them, or turn it off, to use them.</p>
		${fieldError(fields, "productionMode")}
		<label for="tokenStorage">Token storage <span class="hint">Hashed: only a hash of each token is kept, so none can be read back. Retrievable: tokens kept encrypted so the REST API can return them, as CometChat does; needs LATCHKEY_TOKEN_ENCRYPTION_KEY. Going back to hashed deletes the encrypted copies.</span></label>
		<select id="tokenStorage" name="tokenStorage"${invalidAttributes(fields, "tokenStorage")}>
			<option value="hashed"${values.tokenStorage === "retrievable" ? "" : raw(" selected")}>hashed</option>
			<option value="retrievable"${values.tokenStorage === "retrievable" ? raw(" selected") : ""}>retrievable</option>
		</select>
		${fieldError(fields, "tokenStorage")}
		<div class="actions"><button type="submit">Save settings</button></div>
	</form>
</section>`;
}

function renderSecurityPage(
	c: DashboardContext,
	app: AppRecord,
	options: { values?: SecurityFormValues; error?: ShownError } = {},
): Html {
	const settings = securityOf(app);
	const values = options.values ?? securityFormValuesOf(settings);
	const fields = options.error ? groupListErrors(options.error.fields, values) : {};
	return renderPage({
		title: "Security",
		session: c.get("operatorSession"),
		notice: noticeFor(c.req.query("notice")),
		crumbs: [
			{ label: "Apps", href: `${BASE}/apps` },
			{ label: app.name, href: appPath(app.id) },
			{ label: "Security" },
		],
		app: { record: app, current: "security" },
		body: html`${errorSummary(options.error?.message ?? null, fields)}
<div class="grid2">
${renderInForce(settings)}
${renderSecurityForm(c, app, values, fields)}
</div>`,
	});
}

/**
 * A save that cannot be undone asks first (issue 17): switching retrievable storage back to hashed deletes the
 * encrypted copy of every token. The confirm page posts the whole form again, with `confirm=1`. Null when the
 * changes need no confirmation.
 */
function confirmSaveRequest(
	app: AppRecord,
	form: Record<string, string>,
	changes: Record<string, unknown>,
): ConfirmRequest | null {
	if (!(changes.tokenStorage === "hashed" && securityOf(app).tokenStorage === "retrievable")) return null;
	const fields = Object.fromEntries(
		Object.entries(form).filter(([name]) => !["_csrf", "confirm", "confirmName"].includes(name)),
	);
	return {
		action: appPath(app.id, "/security"),
		label: "Save settings",
		message: `Switch ${app.name} to hashed token storage: the encrypted copy of every token is deleted, so the REST API can no longer return any existing token in full, even if you switch back. The tokens themselves keep working.`,
		cancelHref: appPath(app.id, "/security"),
		fields,
		page: {
			crumbs: [
				{ label: "Apps", href: `${BASE}/apps` },
				{ label: app.name, href: appPath(app.id) },
				{ label: "Security", href: appPath(app.id, "/security") },
			],
			app: { record: app, current: "security" },
		},
	};
}

/** An app's security settings (issue 15): shown and changed through the same domain functions as `/v3/security`. */
export function securityPages(deps: AppDeps): Hono<DashboardEnv> {
	const router = new Hono<DashboardEnv>();

	router.get("/apps/:appId/security", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		return c.html(renderSecurityPage(c, app));
	});

	router.post("/apps/:appId/security", async (c) => {
		const app = await getApp(deps, c.req.param("appId"));
		const form = await readForm(c);
		const values = securityFormValues(form);
		try {
			const changes = securityChanges(values, securityOf(app));
			const request = confirmSaveRequest(app, form, changes);
			const pending = request ? await confirmationResponse(c, form, request) : null;
			if (pending) return pending;
			await updateSecuritySettings(asOperator(deps, c), app, changes);
			return c.redirect(appPath(app.id, "/security?notice=security-saved"), 303);
		} catch (error) {
			const shown = showError(error);
			if (!shown) throw error;
			return c.html(renderSecurityPage(c, app, { values, error: shown }), shown.status);
		}
	});

	return router;
}
