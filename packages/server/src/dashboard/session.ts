import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import {
	type OperatorSession,
	SESSION_ABSOLUTE_TIMEOUT_MS,
	validateOperatorSession,
	verifyCSRFToken,
} from "../domain/operator-sessions.ts";
import { clientAddress as clientAddressOf } from "../web/client-address.ts";
import type { AppDeps } from "../web/deps.ts";
import { BASE } from "./layout.ts";

export interface DashboardEnv {
	Variables: { operatorSession: OperatorSession };
	// Set by @hono/node-server; absent when the app is called in-process (tests).
	Bindings: { incoming?: { socket?: { remoteAddress?: string } } };
}

export type DashboardContext = Context<DashboardEnv>;

export const SESSION_COOKIE = "latchkey_session";

/** `Secure` when the public URL (or, without one, the request) is https. */
export function isSecure(deps: AppDeps, c: Context): boolean {
	const publicURL = deps.dashboard?.publicURL;
	if (publicURL) return publicURL.startsWith("https:");
	return new URL(c.req.url).protocol === "https:";
}

/** HttpOnly keeps the session from page scripts; SameSite=Lax keeps it off cross-site form posts. */
export function setDashboardCookie(
	deps: AppDeps,
	c: Context,
	name: string,
	value: string,
	options: { maxAgeSeconds?: number } = {},
): void {
	setCookie(c, name, value, {
		httpOnly: true,
		sameSite: "Lax",
		path: BASE,
		secure: isSecure(deps, c),
		...(options.maxAgeSeconds !== undefined && { maxAge: options.maxAgeSeconds }),
	});
}

export function setSessionCookie(deps: AppDeps, c: Context, value: string): void {
	setDashboardCookie(deps, c, SESSION_COOKIE, value, { maxAgeSeconds: SESSION_ABSOLUTE_TIMEOUT_MS / 1000 });
}

export function clearDashboardCookie(deps: AppDeps, c: Context, name: string): void {
	deleteCookie(c, name, { path: BASE, secure: isSecure(deps, c), httpOnly: true, sameSite: "Lax" });
}

/** The signed-in operator of this request, or null; never throws for a bad cookie. */
export async function readOperatorSession(deps: AppDeps, c: Context): Promise<OperatorSession | null> {
	const value = getCookie(c, SESSION_COOKIE);
	return value ? await validateOperatorSession(deps, value) : null;
}

/** Only same-console paths, so `?next=` cannot send an operator to another site after sign-in. */
export function safeNextPath(next: string | undefined): string {
	if (!next || next.includes("//") || next.includes("\\") || next.includes("..")) return `${BASE}/apps`;
	return /^\/dashboard(?:\/[\w\-./%?=&]*)?$/.test(next) ? next : `${BASE}/apps`;
}

/** Every page below it needs a live operator session; without one, the browser goes to sign-in. */
export function requireOperator(deps: AppDeps): MiddlewareHandler<DashboardEnv> {
	return async (c, next) => {
		const hadCookie = getCookie(c, SESSION_COOKIE) !== undefined;
		const session = await readOperatorSession(deps, c);
		if (!session) {
			if (hadCookie) clearDashboardCookie(deps, c, SESSION_COOKIE);
			const query = new URLSearchParams();
			if (c.req.method === "GET") query.set("next", new URL(c.req.url).pathname + new URL(c.req.url).search);
			if (hadCookie) query.set("notice", "expired");
			const suffix = query.size > 0 ? `?${query.toString()}` : "";
			return c.redirect(`${BASE}/login${suffix}`, 303);
		}
		c.set("operatorSession", session);
		await next();
	};
}

/** The form's fields as strings (files and repeated fields are ignored). */
export async function readForm(c: Context): Promise<Record<string, string>> {
	const body = await c.req.parseBody();
	const form: Record<string, string> = {};
	for (const [name, value] of Object.entries(body)) {
		if (typeof value === "string") form[name] = value;
	}
	return form;
}

/**
 * The second CSRF layer (after the origin check): a state-changing request must carry this session's
 * token in `_csrf`, which a page on another site cannot read.
 */
export function requireCSRFToken(): MiddlewareHandler<DashboardEnv> {
	return async (c, next) => {
		if (c.req.method === "GET" || c.req.method === "HEAD") return await next();
		const form = await readForm(c);
		if (!verifyCSRFToken(c.get("operatorSession"), form._csrf ?? "")) {
			return c.html(csrfRefusedPage(), 403);
		}
		await next();
	};
}

/** A bare page: no layout, so it cannot leak anything of the session it refused. */
export function csrfRefusedPage(): string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Request refused · Latchkey</title><link rel="stylesheet" href="${BASE}/style.css"></head><body><main id="content" class="narrow"><h1>Request refused</h1><div class="card"><p>This form was not sent from a page of this console (its security token was missing or wrong), so nothing was changed.</p><p><a href="${BASE}/apps">Back to the console</a></p></div></main></body></html>`;
}

/** The client's address for the sign-in throttle (see web/client-address.ts). */
export function clientAddress(deps: AppDeps, c: DashboardContext): string {
	return clientAddressOf({
		remoteAddress: c.env?.incoming?.socket?.remoteAddress,
		forwardedFor: c.req.header("x-forwarded-for"),
		trustProxy: deps.dashboard?.trustProxy ?? false,
	});
}
