import { afterEach, expect, test } from "vitest";
import { createApp } from "../src/domain/apps.ts";
import { DEFAULT_SECURITY_SETTINGS, type SecuritySettings, updateSecuritySettings } from "../src/domain/security.ts";
import { createDashboardHarness, type DashboardHarness, type TestBrowser } from "./dashboard-support.ts";

// Issue 15: the dashboard shows and edits an app's security settings through securityOf/updateSecuritySettings.
let h: DashboardHarness;
afterEach(async () => {
	await h.close();
});

const INVALID = "Failed to validate the data sent with the request.";

/** Every field of the form, as a browser sends it for the default settings. */
const DEFAULT_FORM = {
	tokenIdleTimeout: "",
	tokenIdleTimeoutUnit: "hours",
	tokenMaxLifetime: "",
	tokenMaxLifetimeUnit: "hours",
	authKeyLogin: "enabled",
	authKeyUidAllowlist: "",
	authKeyOriginAllowlist: "",
	tokenStorage: "hashed",
};

async function signedIn(): Promise<{ browser: TestBrowser; csrf: string; path: string }> {
	h = await createDashboardHarness();
	const browser = h.browser();
	const csrf = await browser.signIn();
	return { browser, csrf, path: `/dashboard/apps/${h.seed.app.id}/security` };
}

/** The seeded app's settings as the REST API answers them. */
async function settingsOf(): Promise<SecuritySettings> {
	const res = await h.call("GET", "/v3/security", { key: h.seed.restApiKey });
	expect(res.status).toBe(200);
	return ((await res.json()) as { data: SecuritySettings }).data;
}

async function setSettings(input: Partial<SecuritySettings>): Promise<void> {
	const app = await h.store.getApp(h.seed.app.id);
	if (!app) throw new Error("the seeded app is gone");
	await updateSecuritySettings(h.deps, app, input);
}

/** The part of `page` from `start` up to and including `end`; fails the test when either is missing. */
function fragment(page: string, start: string, end: string): string {
	const from = page.indexOf(start);
	const to = page.indexOf(end, from);
	expect(from, `${start} on the page`).toBeGreaterThanOrEqual(0);
	expect(to, `${end} after ${start}`).toBeGreaterThan(from);
	return page.slice(from, to + end.length);
}

test("the app's tabs link to its security page", async () => {
	const { browser, path } = await signedIn();
	const overview = await (await browser.get(`/dashboard/apps/${h.seed.app.id}`)).text();
	expect(overview).toContain(`<a href="${path}">Security</a>`);
	const page = await browser.get(path);
	expect(page.status).toBe(200);
	const text = await page.text();
	expect(text).toContain("<title>Security · Latchkey</title>");
	expect(text).toContain(`<a href="${path}" aria-current="page">Security</a>`);
});

test("the page shows every default setting, in force and in the form, and says what is not built yet", async () => {
	const { browser, path } = await signedIn();
	const page = await (await browser.get(path)).text();
	expect(fragment(page, '<dl class="kv" id="settings-in-force">', "</dl>")).toBe(`<dl class="kv" id="settings-in-force">
		<dt>Idle timeout</dt><dd><span class="muted">never</span></dd>
		<dt>Maximum lifetime</dt><dd><span class="muted">never</span></dd>
		<dt>Auth Key login</dt><dd><code>enabled</code></dd>
		<dt>Allowed uids</dt><dd><span class="muted">none</span></dd>
		<dt>Allowed origins</dt><dd><span class="muted">any</span></dd>
		<dt>Production mode</dt><dd>off</dd>
		<dt>Token storage</dt><dd><code>hashed</code></dd>
	</dl>`);
	expect(page).toContain(
		"the Auth Key settings, production mode (the sample users SUPERHERO1–5 cannot log in) and retrievable storage (it needs LATCHKEY_TOKEN_ENCRYPTION_KEY).",
	);
	expect(page).toContain(
		'<input id="tokenIdleTimeout" name="tokenIdleTimeout" type="text" inputmode="numeric" maxlength="12" value="">',
	);
	expect(page).toContain('<input type="radio" name="authKeyLogin" value="enabled" checked>');
	expect(page).toContain('<input type="checkbox" id="productionMode" name="productionMode" value="1"> Production mode');
	expect(page).toContain('<option value="hashed" selected>hashed</option>');
	expect(page).toContain('<option value="retrievable">retrievable</option>');
});

test("the page shows every setting an app has, each in the largest unit that holds it exactly", async () => {
	const { browser, path } = await signedIn();
	await setSettings({
		tokenIdleTimeoutSeconds: 5400,
		tokenMaxLifetimeSeconds: 2_592_000,
		authKeyLogin: "allowlist",
		authKeyUidAllowlist: ["alice", "bob_2"],
		authKeyOriginAllowlist: ["https://app.example", "http://localhost:3000"],
		productionMode: true,
	});
	const page = await (await browser.get(path)).text();
	expect(fragment(page, '<dl class="kv" id="settings-in-force">', "</dl>")).toBe(`<dl class="kv" id="settings-in-force">
		<dt>Idle timeout</dt><dd>90 minutes <span class="muted small">(5,400 s)</span></dd>
		<dt>Maximum lifetime</dt><dd>30 days <span class="muted small">(2,592,000 s)</span></dd>
		<dt>Auth Key login</dt><dd><code>allowlist</code></dd>
		<dt>Allowed uids</dt><dd><ul class="plain"><li><code>alice</code></li><li><code>bob_2</code></li></ul></dd>
		<dt>Allowed origins</dt><dd><ul class="plain"><li><code>https://app.example</code></li><li><code>http://localhost:3000</code></li></ul></dd>
		<dt>Production mode</dt><dd>on</dd>
		<dt>Token storage</dt><dd><code>hashed</code></dd>
	</dl>`);
	expect(fragment(page, '<input id="tokenIdleTimeout"', "</select>")).toBe(
		`<input id="tokenIdleTimeout" name="tokenIdleTimeout" type="text" inputmode="numeric" maxlength="12" value="90">
			<select name="tokenIdleTimeoutUnit" aria-label="Idle timeout unit">
				<option value="minutes" selected>minutes</option><option value="hours">hours</option><option value="days">days</option><option value="seconds">seconds</option>
			</select>`,
	);
	expect(fragment(page, '<input id="tokenMaxLifetime"', "</select>")).toBe(
		`<input id="tokenMaxLifetime" name="tokenMaxLifetime" type="text" inputmode="numeric" maxlength="12" value="30">
			<select name="tokenMaxLifetimeUnit" aria-label="Maximum lifetime unit">
				<option value="minutes">minutes</option><option value="hours">hours</option><option value="days" selected>days</option><option value="seconds">seconds</option>
			</select>`,
	);
	expect(page).toContain('<input type="radio" name="authKeyLogin" value="allowlist" checked>');
	expect(page).toContain('<input type="radio" name="authKeyLogin" value="enabled">');
	expect(page).toContain(
		'<textarea id="authKeyUidAllowlist" name="authKeyUidAllowlist" spellcheck="false">alice\nbob_2</textarea>',
	);
	expect(page).toContain(
		'<textarea id="authKeyOriginAllowlist" name="authKeyOriginAllowlist" spellcheck="false">https://app.example\nhttp://localhost:3000</textarea>',
	);
	expect(page).toContain(
		'<input type="checkbox" id="productionMode" name="productionMode" value="1" checked> Production mode',
	);
});

test("saving stores exactly the domain's values, publishes app.updated and leaves another app alone", async () => {
	const { browser, csrf, path } = await signedIn();
	const other = await createApp(h.deps, { name: "Other app" });
	const res = await browser.post(path, {
		_csrf: csrf,
		tokenIdleTimeout: "2",
		tokenIdleTimeoutUnit: "hours",
		tokenMaxLifetime: "90",
		tokenMaxLifetimeUnit: "seconds",
		authKeyLogin: "allowlist",
		authKeyUidAllowlist: "Alice\r\n\r\n  bob  \r\n",
		authKeyOriginAllowlist: "https://App.example:8443\n",
		productionMode: "1",
		tokenStorage: "hashed",
	});
	expect(res.status).toBe(303);
	expect(res.headers.get("location")).toBe(`${path}?notice=security-saved`);
	expect(await settingsOf()).toEqual({
		tokenIdleTimeoutSeconds: 7200,
		tokenMaxLifetimeSeconds: 90,
		authKeyLogin: "allowlist",
		authKeyUidAllowlist: ["alice", "bob"],
		authKeyOriginAllowlist: ["https://app.example:8443"],
		productionMode: true,
		tokenStorage: "hashed",
	});
	expect(h.eventsOf("app.updated")).toContainEqual({ type: "app.updated", appId: h.seed.app.id });
	expect(h.eventsOf("app.updated")).not.toContainEqual({ type: "app.updated", appId: other.app.id });
	const otherApp = await h.store.getApp(other.app.id);
	expect(otherApp?.security ?? {}).toEqual({});
	const page = await (await browser.get(`${path}?notice=security-saved`)).text();
	expect(page).toContain(
		'<div class="alert ok" role="status">The security settings were saved. They apply at once, to existing tokens too.</div>',
	);
});

test("emptying a timeout sets it back to never", async () => {
	const { browser, csrf, path } = await signedIn();
	await setSettings({ tokenIdleTimeoutSeconds: 3600, tokenMaxLifetimeSeconds: 86_400 });
	const res = await browser.post(path, { ...DEFAULT_FORM, _csrf: csrf, tokenIdleTimeout: " ", tokenMaxLifetime: "" });
	expect(res.status).toBe(303);
	expect(await settingsOf()).toEqual({ ...DEFAULT_SECURITY_SETTINGS });
});

test("production mode turns the Auth Key off unless Auth Key login was set, and an unchanged form keeps it so", async () => {
	const { browser, csrf, path } = await signedIn();
	// The operator ticks production mode and leaves Auth Key login as shown.
	expect((await browser.post(path, { ...DEFAULT_FORM, _csrf: csrf, productionMode: "1" })).status).toBe(303);
	expect(await settingsOf()).toMatchObject({ productionMode: true, authKeyLogin: "disabled" });
	// Saving the form as shown (disabled, implied) must not make "disabled" explicit.
	const shown = { ...DEFAULT_FORM, _csrf: csrf, authKeyLogin: "disabled" };
	expect((await browser.post(path, { ...shown, productionMode: "1" })).status).toBe(303);
	expect((await h.store.getApp(h.seed.app.id))?.security).toEqual({ productionMode: true });
	expect((await browser.post(path, shown)).status).toBe(303);
	expect(await settingsOf()).toEqual({ ...DEFAULT_SECURITY_SETTINGS });
	// Choosing "enabled" under production mode is explicit and kept.
	expect((await browser.post(path, { ...DEFAULT_FORM, _csrf: csrf, productionMode: "1" })).status).toBe(303);
	expect((await browser.post(path, { ...shown, authKeyLogin: "enabled", productionMode: "1" })).status).toBe(303);
	expect(await settingsOf()).toMatchObject({ productionMode: true, authKeyLogin: "enabled" });
});

test("a timeout the domain refuses shows its message beside the field, keeps what was typed, and changes nothing", async () => {
	const { browser, csrf, path } = await signedIn();
	const res = await browser.post(path, {
		...DEFAULT_FORM,
		_csrf: csrf,
		tokenIdleTimeout: "30",
		tokenIdleTimeoutUnit: "seconds",
		authKeyLogin: "disabled",
		authKeyUidAllowlist: "kept",
	});
	expect(res.status).toBe(400);
	const page = await res.text();
	expect(page).toContain(
		`<div class="alert error" role="alert"><strong>${INVALID}</strong><ul><li>The tokenIdleTimeoutSeconds must be at least 60.</li></ul></div>`,
	);
	expect(page).toContain(
		'<input id="tokenIdleTimeout" name="tokenIdleTimeout" type="text" inputmode="numeric" maxlength="12" value="30" aria-invalid="true" aria-describedby="tokenIdleTimeoutSeconds-error">',
	);
	expect(page).toContain('<option value="seconds" selected>seconds</option>');
	expect(page).toContain(
		'<p class="field-error" id="tokenIdleTimeoutSeconds-error">The tokenIdleTimeoutSeconds must be at least 60.</p>',
	);
	expect(page).toContain('<input type="radio" name="authKeyLogin" value="disabled" checked>');
	expect(page).toContain('spellcheck="false">kept</textarea>');
	expect(await settingsOf()).toEqual({ ...DEFAULT_SECURITY_SETTINGS });

	const tooLong = await browser.post(path, {
		...DEFAULT_FORM,
		_csrf: csrf,
		tokenMaxLifetime: "3651",
		tokenMaxLifetimeUnit: "days",
	});
	expect(tooLong.status).toBe(400);
	expect(await tooLong.text()).toContain(
		'<p class="field-error" id="tokenMaxLifetimeSeconds-error">The tokenMaxLifetimeSeconds may not be greater than 315360000.</p>',
	);
	const notANumber = await browser.post(path, { ...DEFAULT_FORM, _csrf: csrf, tokenIdleTimeout: "1.5" });
	expect(notANumber.status).toBe(400);
	expect(await notANumber.text()).toContain(
		'<p class="field-error" id="tokenIdleTimeoutSeconds-error">Enter a whole number of hours, or leave it empty for never.</p>',
	);
	expect(await settingsOf()).toEqual({ ...DEFAULT_SECURITY_SETTINGS });
});

test("retrievable token storage is refused with the domain's message as a form error", async () => {
	const { browser, csrf, path } = await signedIn();
	const res = await browser.post(path, {
		...DEFAULT_FORM,
		_csrf: csrf,
		tokenStorage: "retrievable",
		productionMode: "1",
	});
	expect(res.status).toBe(400);
	const page = await res.text();
	const message =
		"Retrievable token storage needs LATCHKEY_TOKEN_ENCRYPTION_KEY, which this server is not configured with.";
	expect(page).toContain(`<li>${message}</li>`);
	expect(page).toContain(`<p class="field-error" id="tokenStorage-error">${message}</p>`);
	expect(page).toContain('<option value="retrievable" selected>');
	expect(await settingsOf()).toEqual({ ...DEFAULT_SECURITY_SETTINGS });
});

test("a refused list item is quoted beside its list, escaped, and nothing changes", async () => {
	const { browser, csrf, path } = await signedIn();
	const evil = "</textarea><script>alert(1)</script>";
	const res = await browser.post(path, {
		...DEFAULT_FORM,
		_csrf: csrf,
		authKeyLogin: "allowlist",
		authKeyUidAllowlist: `alice\n${evil}`,
		authKeyOriginAllowlist: "https://ok.example\n\nhttps://app.example/path",
	});
	expect(res.status).toBe(400);
	const page = await res.text();
	expect(page).not.toContain("<script>alert");
	expect(page).toContain(
		'<textarea id="authKeyUidAllowlist" name="authKeyUidAllowlist" spellcheck="false" aria-invalid="true" aria-describedby="authKeyUidAllowlist-error">alice\n&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea>',
	);
	expect(page).toContain(
		'<p class="field-error" id="authKeyUidAllowlist-error">“&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;”: The uid may only contain letters, numbers, dashes and underscores.</p>',
	);
	expect(page).toContain(
		'<p class="field-error" id="authKeyOriginAllowlist-error">“https://app.example/path”: The authKeyOriginAllowlist items must be origins such as https://app.example.com.</p>',
	);
	expect(await settingsOf()).toEqual({ ...DEFAULT_SECURITY_SETTINGS });
});

test("an app name with markup is shown as text on the security page", async () => {
	const { browser } = await signedIn();
	const evil = await createApp(h.deps, { name: "<img src=x onerror=alert(1)>" });
	const page = await (await browser.get(`/dashboard/apps/${evil.app.id}/security`)).text();
	expect(page).toContain(`<a href="/dashboard/apps/${evil.app.id}">&lt;img src=x onerror=alert(1)&gt;</a> / Security`);
	expect(page).not.toContain("<img");
});

test("a save without the CSRF token, or from another origin, is refused with 403 and changes nothing", async () => {
	const { browser, csrf, path } = await signedIn();
	const change = { ...DEFAULT_FORM, authKeyLogin: "disabled" };
	const missing = await browser.post(path, change);
	expect(missing.status).toBe(403);
	expect(await missing.text()).toContain("<h1>Request refused</h1>");
	expect((await browser.post(path, { ...change, _csrf: `${csrf}x` })).status).toBe(403);
	expect((await browser.post(path, { ...change, _csrf: csrf }, { origin: "https://evil.example" })).status).toBe(403);
	expect((await browser.post(path, { ...change, _csrf: csrf }, { origin: null })).status).toBe(403);
	expect(await settingsOf()).toEqual({ ...DEFAULT_SECURITY_SETTINGS });
	expect(h.eventsOf("app.updated")).toEqual([]);
});

test("without a session the page redirects to sign-in and a save changes nothing", async () => {
	h = await createDashboardHarness();
	const path = `/dashboard/apps/${h.seed.app.id}/security`;
	const anonymous = h.browser();
	const page = await anonymous.get(path);
	expect(page.status).toBe(303);
	expect(page.headers.get("location")).toBe(`/dashboard/login?next=${encodeURIComponent(path)}`);
	const save = await anonymous.post(path, { ...DEFAULT_FORM, _csrf: "x", authKeyLogin: "disabled" });
	expect(save.status).toBe(303);
	expect(save.headers.get("location")).toBe("/dashboard/login");
	expect(await settingsOf()).toEqual({ ...DEFAULT_SECURITY_SETTINGS });
});

test("saving one app's page changes only that app; an unknown app is the usual error page", async () => {
	const { browser, csrf, path } = await signedIn();
	const other = await createApp(h.deps, { name: "Other app" });
	const res = await browser.post(`/dashboard/apps/${other.app.id}/security`, {
		...DEFAULT_FORM,
		_csrf: csrf,
		tokenIdleTimeout: "1",
	});
	expect(res.status).toBe(303);
	expect((await h.store.getApp(other.app.id))?.security).toEqual({ tokenIdleTimeoutSeconds: 3600 });
	expect((await h.store.getApp(h.seed.app.id))?.security ?? {}).toEqual({});
	expect(await (await browser.get(path)).text()).toContain(
		'<dt>Idle timeout</dt><dd><span class="muted">never</span></dd>',
	);
	const missing = await browser.post("/dashboard/apps/0000000000000000/security", { ...DEFAULT_FORM, _csrf: csrf });
	expect(missing.status).toBe(404);
	expect(await missing.text()).toContain("The appId 0000000000000000 does not exist.");
});
