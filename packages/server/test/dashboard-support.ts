import type { PasswordHasher } from "../src/domain/operator-passwords.ts";
import { createOperator } from "../src/domain/operators.ts";
import type { AppDeps } from "../src/web/deps.ts";
import { createWebApp } from "../src/web-app.ts";
import { createHarness, type Harness } from "./harness.ts";

/** Fast and obviously fake: route tests check the rules around the hash, not Argon2 itself. */
export const FAST_HASHER: PasswordHasher = {
	hash: async (password) => `fake:${password}`,
	verify: async (hash, password) => hash === `fake:${password}`,
};

export const ORIGIN = "http://localhost";
export const OPERATOR = { email: "ops@example.test", password: "correct horse battery" };

/** A cookie jar over `app.request`, sending the Origin a browser would. */
export class TestBrowser {
	readonly cookies = new Map<string, string>();
	constructor(
		private readonly app: ReturnType<typeof createWebApp>,
		/** Sent as `X-Forwarded-For` (the harness's dashboard trusts the proxy), so tests pick the source. */
		private readonly source?: string,
	) {}

	async get(path: string): Promise<Response> {
		return await this.send(path, { method: "GET" });
	}

	async post(
		path: string,
		fields: Record<string, string>,
		options: { origin?: string | null; headers?: Record<string, string> } = {},
	): Promise<Response> {
		const origin = options.origin === undefined ? ORIGIN : options.origin;
		return await this.send(path, {
			method: "POST",
			headers: {
				"content-type": "application/x-www-form-urlencoded",
				...(origin !== null && { origin }),
				...options.headers,
			},
			body: new URLSearchParams(fields).toString(),
		});
	}

	private async send(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
		const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
		const headers = {
			...init.headers,
			...(cookie && { cookie }),
			...(this.source !== undefined && { "x-forwarded-for": `198.51.100.99, ${this.source}` }),
		};
		const res = await this.app.request(path, { ...init, headers });
		for (const line of res.headers.getSetCookie()) {
			const [pair = ""] = line.split(";");
			const eq = pair.indexOf("=");
			const name = pair.slice(0, eq);
			const value = pair.slice(eq + 1);
			if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
		return res;
	}

	/** Signs in through the login form; returns the session's CSRF token from the landing page. */
	async signIn(credentials = OPERATOR): Promise<string> {
		const login = await this.get("/dashboard/login");
		const res = await this.post("/dashboard/login", { _csrf: csrfTokenOf(await login.text()), ...credentials });
		if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
		const landing = await this.get("/dashboard/apps");
		return csrfTokenOf(await landing.text());
	}
}

export function csrfTokenOf(page: string): string {
	const match = /name="_csrf" value="([^"]+)"/.exec(page);
	if (!match?.[1]) throw new Error("no CSRF field on the page");
	return match[1];
}

export interface DashboardHarness extends Harness {
	dashboardApp: ReturnType<typeof createWebApp>;
	dashboardDeps: AppDeps;
	/** A browser; `source` is its client address (default: none, so all such browsers share "unknown"). */
	browser(source?: string): TestBrowser;
	/** How many times the dashboard checked a password (the hasher's `verify`). */
	passwordChecks(): number;
}

/** The usual harness plus an app whose dashboard uses the fast hasher and has one operator. */
export async function createDashboardHarness(
	options: { publicURL?: string; withOperator?: boolean; dialect?: "sqlite" | "postgres" } = {},
): Promise<DashboardHarness> {
	const h = await createHarness(options.dialect ? { dialect: options.dialect } : {});
	let checks = 0;
	const passwordHasher: PasswordHasher = {
		hash: FAST_HASHER.hash,
		verify: async (hash, password) => {
			checks++;
			return await FAST_HASHER.verify(hash, password);
		},
	};
	const dashboardDeps: AppDeps = {
		...h.deps,
		dashboard: { passwordHasher, trustProxy: true, ...(options.publicURL && { publicURL: options.publicURL }) },
	};
	if (options.withOperator !== false) await createOperator(dashboardDeps, FAST_HASHER, OPERATOR);
	const dashboardApp = createWebApp(dashboardDeps);
	return {
		...h,
		dashboardApp,
		dashboardDeps,
		browser: (source) => new TestBrowser(dashboardApp, source),
		passwordChecks: () => checks,
	};
}
