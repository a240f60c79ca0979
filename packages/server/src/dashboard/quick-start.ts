import { html } from "hono/html";
import { maskCredential } from "../domain/secrets.ts";
import type { ApiKeyRecord, AppRecord } from "../store/store.ts";
import { appPath, copyable, csrfField, type Html } from "./layout.ts";

/** What the quick start shows; every value is the app's own (the REST base is the server's public URL). */
export interface QuickStartView {
	app: AppRecord;
	/** The server's public URL (LATCHKEY_PUBLIC_URL, or the request's origin without one), no trailing slash. */
	publicURL: string;
	authKey: ApiKeyRecord | null;
	csrfToken: string;
}

// Keys are stored hashed, so a snippet cannot hold the real one: these stand in, named like the key.
export const AUTH_KEY_PLACEHOLDER = "YOUR_AUTH_KEY";
export const REST_API_KEY_PLACEHOLDER = "YOUR_REST_API_KEY";

/** The REST base of the quick start, as `credentials.json`'s `baseURL`: `<public URL>/v3`. */
export function restBaseURL(publicURL: string): string {
	return `${publicURL.replace(/\/+$/, "")}/v3`;
}

/** The host the SDKs' `overrideAdminHost`/`overrideClientHost` take: no scheme, with the API version. */
function sdkHost(publicURL: string): string {
	return `${publicURL.replace(/^https?:\/\//, "").replace(/\/+$/, "")}/v3.0`;
}

function initSnippet(view: QuickStartView, importLine: string): string {
	const host = sdkHost(view.publicURL);
	return [
		importLine,
		"",
		`const APP_ID = ${JSON.stringify(view.app.id)};`,
		"const appSettings = new CometChat.AppSettingsBuilder()",
		`\t.setRegion(${JSON.stringify(view.app.region)})`,
		`\t.overrideAdminHost(${JSON.stringify(host)})`,
		`\t.overrideClientHost(${JSON.stringify(host)})`,
		"\t.autoEstablishSocketConnection(true)",
		"\t.build();",
		"await CometChat.init(APP_ID, appSettings);",
		"",
		"// Development: log in with a uid and the Auth Key",
		`const user = await CometChat.login("superhero1", ${JSON.stringify(AUTH_KEY_PLACEHOLDER)});`,
		"",
		"// Production: log in with an auth token your server minted (below)",
		"const sameUser = await CometChat.login(authToken);",
	].join("\n");
}

function curlSnippet(view: QuickStartView): string {
	return [
		"# On your server only: mint an auth token for a user with the REST API Key",
		`curl -s -X POST "${restBaseURL(view.publicURL)}/users/superhero1/auth_tokens" \\`,
		`  -H "appid: ${view.app.id}" \\`,
		`  -H "apikey: ${REST_API_KEY_PLACEHOLDER}"`,
		'# → {"data":{"uid":"superhero1","authToken":"lkat_…",…}}: pass data.authToken to login(authToken)',
	].join("\n");
}

function snippet(id: string, title: string, text: string): Html {
	return html`<h3 id="${id}-title">${title}</h3>
<div class="snippet"><pre><code id="${id}">${text}</code></pre><button type="button" class="secondary small" data-copy="${id}" aria-label="Copy ${title}">Copy</button></div>`;
}

/** The overview's quick start: the values an app needs, and the few lines that use them. */
export function renderQuickStart(view: QuickStartView): Html {
	const { app, authKey } = view;
	return html`<section class="card quick-start" aria-labelledby="quick-start">
	<h2 id="quick-start">Quick start</h2>
	<dl class="kv">
		<dt>App ID</dt><dd>${copyable("app-id", app.id)}</dd>
		<dt>Region</dt><dd id="qs-region">${app.region}</dd>
		<dt>REST base URL</dt><dd>${copyable("qs-rest-base", restBaseURL(view.publicURL))}</dd>
		<dt>Auth Key</dt><dd>${
			authKey
				? html`<code id="qs-auth-key">${maskCredential(authKey.id)}</code> <span class="muted small">(${authKey.name})</span>`
				: html`<span class="muted" id="qs-auth-key">This app has no Auth Key.</span>`
		}
			<p class="hint">Keys are shown only when they are created; only a hash is stored. Lost it? Create a new one (the old one keeps working until you delete it on the API keys tab).</p>
			<form method="post" action="${appPath(app.id, "/keys")}">
				${csrfField(view.csrfToken)}
				<input type="hidden" name="name" value="Auth Key">
				<input type="hidden" name="scope" value="authOnly">
				<button type="submit" class="secondary small">Create a new Auth Key</button>
			</form>
		</dd>
		<dt>REST API Key</dt><dd><span class="muted">Not retrievable; keep it on your server. The snippets say ${REST_API_KEY_PLACEHOLDER}.</span></dd>
	</dl>
	${snippet("qs-latchkey-sdk", "Latchkey SDK (@latchkey/chat-sdk)", initSnippet(view, 'import { CometChat } from "@latchkey/chat-sdk";'))}
	${snippet("qs-official-sdk", "Official SDK (@cometchat/chat-sdk-javascript, https only)", initSnippet(view, 'import { CometChat } from "@cometchat/chat-sdk-javascript";'))}
	${snippet("qs-curl", "Server side: mint an auth token", curlSnippet(view))}
</section>`;
}
