import { afterEach, describe, expect, test } from "vitest";
import { ensureSetupLink } from "../src/dashboard/setup-link.ts";
import { createUser } from "../src/domain/users.ts";
import { createWebApp } from "../src/web-app.ts";
import { createDashboardHarness, csrfTokenOf, type DashboardHarness, OPERATOR } from "./dashboard-support.ts";
import { DIALECTS } from "./stores.ts";

let h: DashboardHarness;
afterEach(async () => {
	await h.close();
});

const MINUTE = 60_000;

describe("sessions", () => {
	test("a page without a session redirects to sign-in, keeping where it was going", async () => {
		h = await createDashboardHarness();
		const res = await h.browser().get("/dashboard/apps?page=2");
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/login?next=%2Fdashboard%2Fapps%3Fpage%3D2");
	});

	test("a forged session cookie redirects to sign-in and is cleared", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		await browser.signIn();
		const real = browser.cookies.get("latchkey_session") ?? "";
		browser.cookies.set("latchkey_session", `${real.split(".")[0]}.forged`);
		const res = await browser.get("/dashboard/apps");
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/login?next=%2Fdashboard%2Fapps&notice=expired");
		expect(browser.cookies.has("latchkey_session")).toBe(false);
	});

	test("the session cookie is HttpOnly, SameSite=Lax, Path=/dashboard, and Secure on an https public URL", async () => {
		h = await createDashboardHarness({ publicURL: "https://console.example.test" });
		const browser = h.browser();
		const login = await browser.get("/dashboard/login");
		const res = await browser.post(
			"/dashboard/login",
			{ _csrf: csrfTokenOf(await login.text()), ...OPERATOR },
			{ origin: "https://console.example.test" },
		);
		expect(res.status).toBe(303);
		const cookie = res.headers.getSetCookie().find((line) => line.startsWith("latchkey_session=")) ?? "";
		expect(cookie).toMatch(
			/^latchkey_session=lkos_[0-9a-f]{20}\.[\w-]{43}; Max-Age=43200; Path=\/dashboard; HttpOnly; Secure; SameSite=Lax$/,
		);
	});

	test("the cookie is not Secure on a plain-http deployment", async () => {
		h = await createDashboardHarness({ publicURL: "http://127.0.0.1:3000" });
		const browser = h.browser();
		const login = await browser.get("/dashboard/login");
		const res = await browser.post("/dashboard/login", { _csrf: csrfTokenOf(await login.text()), ...OPERATOR });
		const cookie = res.headers.getSetCookie().find((line) => line.startsWith("latchkey_session=")) ?? "";
		expect(cookie).toContain("HttpOnly");
		expect(cookie).not.toContain("Secure");
	});

	test("a session idle for 30 minutes ends; activity keeps it alive", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		await browser.signIn();
		h.clock.advance(29 * MINUTE);
		expect((await browser.get("/dashboard/apps")).status).toBe(200);
		h.clock.advance(29 * MINUTE);
		expect((await browser.get("/dashboard/apps")).status).toBe(200);
		h.clock.advance(30 * MINUTE);
		const res = await browser.get("/dashboard/apps");
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/login?next=%2Fdashboard%2Fapps&notice=expired");
	});

	test("a session ends 12 hours after sign-in however busy", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		await browser.signIn();
		for (let elapsed = 0; elapsed < 12 * 60 - 20; elapsed += 20) {
			h.clock.advance(20 * MINUTE);
			expect((await browser.get("/dashboard/apps")).status).toBe(200);
		}
		h.clock.advance(20 * MINUTE);
		const res = await browser.get("/dashboard/apps");
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toContain("/dashboard/login");
	});

	test("signing out ends the session for every copy of the cookie", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		const csrf = await browser.signIn();
		const stolen = browser.cookies.get("latchkey_session") ?? "";
		const res = await browser.post("/dashboard/logout", { _csrf: csrf });
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/login?notice=signed-out");
		const other = h.browser();
		other.cookies.set("latchkey_session", stolen);
		expect((await other.get("/dashboard/apps")).status).toBe(303);
	});
});

describe("sign-in", () => {
	async function attempt(browser: ReturnType<DashboardHarness["browser"]>, password: string): Promise<Response> {
		const login = await browser.get("/dashboard/login");
		return await browser.post("/dashboard/login", {
			_csrf: csrfTokenOf(await login.text()),
			email: OPERATOR.email,
			password,
		});
	}

	test("a wrong password is refused with a message and no session", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		const res = await attempt(browser, "wrong password!!");
		expect(res.status).toBe(401);
		expect(await res.text()).toContain("The email or password is wrong.");
		expect(browser.cookies.has("latchkey_session")).toBe(false);
	});

	test("after 5 failures from one address even the right password is refused there, until the window passes", async () => {
		h = await createDashboardHarness();
		const browser = h.browser("203.0.113.1");
		for (let i = 0; i < 5; i++) expect((await attempt(browser, `wrong ${i} password`)).status).toBe(401);
		const throttled = await attempt(browser, OPERATOR.password);
		expect(throttled.status).toBe(429);
		expect(throttled.headers.get("retry-after")).toBe("900");
		expect(await throttled.text()).toContain("Too many failed sign-in attempts from this address.");
		expect(browser.cookies.has("latchkey_session")).toBe(false);
		h.clock.advance(10 * MINUTE);
		expect((await attempt(browser, OPERATOR.password)).headers.get("retry-after")).toBe("300");
		h.clock.advance(5 * MINUTE);
		expect((await attempt(browser, OPERATOR.password)).status).toBe(303);
	});

	// Issue 12 item 5: wrong guesses must not lock the operator out from a machine that has not failed.
	test("a locked account still lets the right password in from an address without failures", async () => {
		h = await createDashboardHarness();
		for (let i = 0; i < 5; i++)
			expect((await attempt(h.browser(`203.0.113.${i}`), "wrong wrong wrong")).status).toBe(401);
		const failed = h.browser("203.0.113.0");
		expect((await attempt(failed, OPERATOR.password)).status).toBe(429);
		const checks = h.passwordChecks();
		const refused = await attempt(h.browser("203.0.113.1"), OPERATOR.password);
		expect(refused.status).toBe(429);
		expect(await refused.text()).toContain("Too many failed sign-in attempts for this email.");
		expect(h.passwordChecks()).toBe(checks);
		expect((await attempt(h.browser("192.0.2.50"), OPERATOR.password)).status).toBe(303);
	});

	test("a clean address gets one check against a locked account; failing it makes the address refused there", async () => {
		h = await createDashboardHarness();
		for (let i = 0; i < 5; i++) await attempt(h.browser(`203.0.113.${i}`), "wrong wrong wrong");
		const fresh = h.browser("192.0.2.60");
		expect((await attempt(fresh, "wrong wrong wrong")).status).toBe(401);
		expect((await attempt(fresh, OPERATOR.password)).status).toBe(429);
	});

	// Issue 12 item 5: the count was read before the check and written after, so 40 racers got 24 checks.
	test("40 concurrent wrong passwords from one address run at most 5 password checks", async () => {
		h = await createDashboardHarness();
		const browsers = Array.from({ length: 40 }, () => h.browser("203.0.113.9"));
		const forms = await Promise.all(
			browsers.map(async (b) => csrfTokenOf(await (await b.get("/dashboard/login")).text())),
		);
		const answers = await Promise.all(
			browsers.map((b, i) =>
				b.post("/dashboard/login", { _csrf: forms[i] ?? "", email: OPERATOR.email, password: "wrong wrong wrong" }),
			),
		);
		expect(h.passwordChecks()).toBe(5);
		expect(answers.filter((res) => res.status === 401)).toHaveLength(5);
		expect(answers.filter((res) => res.status === 429)).toHaveLength(35);
	});

	test("a flood from one address over many emails is refused before any hashing", async () => {
		h = await createDashboardHarness();
		const browser = h.browser("203.0.113.10");
		for (let i = 0; i < 5; i++) {
			const login = await browser.get("/dashboard/login");
			await browser.post("/dashboard/login", {
				_csrf: csrfTokenOf(await login.text()),
				email: `nobody${i}@example.test`,
				password: "whatever whatever",
			});
		}
		const checks = h.passwordChecks();
		for (let i = 0; i < 20; i++) {
			const login = await browser.get("/dashboard/login");
			const res = await browser.post("/dashboard/login", {
				_csrf: csrfTokenOf(await login.text()),
				email: `other${i}@example.test`,
				password: "whatever whatever",
			});
			expect(res.status).toBe(429);
		}
		expect(h.passwordChecks()).toBe(checks);
	});

	test("the account count ignores casing, and unknown emails are counted the same way", async () => {
		h = await createDashboardHarness();
		for (let i = 0; i < 5; i++) {
			const browser = h.browser(`203.0.113.${i}`);
			const login = await browser.get("/dashboard/login");
			const res = await browser.post("/dashboard/login", {
				_csrf: csrfTokenOf(await login.text()),
				email: i % 2 === 0 ? "OPS@example.test" : "ops@EXAMPLE.test",
				password: "nope nope nope",
			});
			expect(res.status).toBe(401);
		}
		expect((await attempt(h.browser("203.0.113.0"), OPERATOR.password)).status).toBe(429);
		for (let i = 0; i < 5; i++) {
			const browser = h.browser(`198.51.100.${i}`);
			const login = await browser.get("/dashboard/login");
			const res = await browser.post("/dashboard/login", {
				_csrf: csrfTokenOf(await login.text()),
				email: "nobody@example.test",
				password: "whatever whatever",
			});
			expect(res.status).toBe(401);
		}
		const again = h.browser("198.51.100.0");
		const login = await again.get("/dashboard/login");
		const res = await again.post("/dashboard/login", {
			_csrf: csrfTokenOf(await login.text()),
			email: "nobody@example.test",
			password: "whatever whatever",
		});
		expect(res.status).toBe(429);
	});

	test("a success clears the account's failures but not the address's other failures", async () => {
		h = await createDashboardHarness();
		for (let i = 0; i < 4; i++) await attempt(h.browser(`203.0.113.${i}`), "wrong wrong wrong");
		expect((await attempt(h.browser("203.0.113.4"), OPERATOR.password)).status).toBe(303);
		for (let i = 0; i < 4; i++)
			expect((await attempt(h.browser(`203.0.113.${i}`), "wrong wrong wrong")).status).toBe(401);
		expect((await attempt(h.browser("203.0.113.0"), OPERATOR.password)).status).toBe(303);
		const address = "203.0.113.20";
		for (let i = 0; i < 4; i++) await attempt(h.browser(address), "wrong wrong wrong");
		expect((await attempt(h.browser(address), OPERATOR.password)).status).toBe(303);
		expect((await attempt(h.browser(address), "wrong wrong wrong")).status).toBe(401);
		expect((await attempt(h.browser(address), "wrong wrong wrong")).status).toBe(429);
	});

	test("without trustProxy, X-Forwarded-For is ignored and the socket address counts", async () => {
		h = await createDashboardHarness();
		const app = createWebApp({ ...h.dashboardDeps, dashboard: { ...h.dashboardDeps.dashboard, trustProxy: false } });
		async function tryFrom(forwarded: string, socket: string): Promise<number> {
			const env = { incoming: { socket: { remoteAddress: socket } } };
			const form = await app.request("/dashboard/login", {}, env);
			const cookie = form.headers.getSetCookie()[0]?.split(";")[0] ?? "";
			const res = await app.request(
				"/dashboard/login",
				{
					method: "POST",
					headers: {
						"content-type": "application/x-www-form-urlencoded",
						origin: "http://localhost",
						cookie,
						"x-forwarded-for": forwarded,
					},
					body: new URLSearchParams({
						_csrf: csrfTokenOf(await form.text()),
						email: "x@example.test",
						password: "p p p p p p p",
					}).toString(),
				},
				env,
			);
			return res.status;
		}
		for (let i = 0; i < 5; i++) expect(await tryFrom(`192.0.2.${i}`, "10.0.0.1")).toBe(401);
		expect(await tryFrom("192.0.2.200", "10.0.0.1")).toBe(429);
		expect(await tryFrom("192.0.2.200", "10.0.0.2")).toBe(401);
	});

	// Issue 12 item 9: PostgreSQL cannot hold U+0000; the sign-in email and the cookie answered 500.
	test.each(DIALECTS)(
		"a NUL in the sign-in email is a wrong pair, and in the session cookie no session (%s)",
		async (dialect) => {
			h = await createDashboardHarness({ dialect });
			const browser = h.browser("203.0.113.30");
			const login = await browser.get("/dashboard/login");
			const res = await browser.post("/dashboard/login", {
				_csrf: csrfTokenOf(await login.text()),
				email: `${OPERATOR.email}\u0000`,
				password: OPERATOR.password,
			});
			expect(res.status).toBe(401);
			browser.cookies.set("latchkey_session", "lkos_ab%00cd.secret");
			const page = await browser.get("/dashboard/apps");
			expect(page.status).toBe(303);
		},
	);

	test("a login form without its CSRF cookie is refused", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		const login = await browser.get("/dashboard/login");
		const token = csrfTokenOf(await login.text());
		browser.cookies.delete("latchkey_login_csrf");
		const res = await browser.post("/dashboard/login", { _csrf: token, ...OPERATOR });
		expect(res.status).toBe(403);
		expect(browser.cookies.has("latchkey_session")).toBe(false);
	});

	test("?next= only ever leads back into the console", async () => {
		h = await createDashboardHarness();
		for (const next of ["//evil.example/x", "https://evil.example", "/dashboard/../v3/users", "/elsewhere"]) {
			const browser = h.browser();
			const login = await browser.get(`/dashboard/login?next=${encodeURIComponent(next)}`);
			const res = await browser.post("/dashboard/login", { _csrf: csrfTokenOf(await login.text()), ...OPERATOR, next });
			expect(res.headers.get("location")).toBe("/dashboard/apps");
		}
		const browser = h.browser();
		const login = await browser.get("/dashboard/login");
		const next = `/dashboard/apps/${h.seed.app.id}/users`;
		const res = await browser.post("/dashboard/login", { _csrf: csrfTokenOf(await login.text()), ...OPERATOR, next });
		expect(res.headers.get("location")).toBe(next);
	});
});

describe("CSRF", () => {
	async function appCount(): Promise<number> {
		return (await h.store.listApps()).length;
	}

	test("a state-changing POST without an Origin header is refused with 403", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		const csrf = await browser.signIn();
		const res = await browser.post("/dashboard/apps", { _csrf: csrf, name: "Sneaky" }, { origin: null });
		expect(res.status).toBe(403);
		expect(await appCount()).toBe(1);
	});

	test("a POST from another origin is refused even with the right token", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		const csrf = await browser.signIn();
		const res = await browser.post(
			"/dashboard/apps",
			{ _csrf: csrf, name: "Sneaky" },
			{ origin: "https://evil.example" },
		);
		expect(res.status).toBe(403);
		expect(await appCount()).toBe(1);
	});

	test("a same-origin POST without the session's token, or with a wrong one, is refused", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		const csrf = await browser.signIn();
		expect((await browser.post("/dashboard/apps", { name: "Sneaky" })).status).toBe(403);
		// Change the last character to a different one (a fixed "A" would sometimes be the real token).
		const tampered = `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}`;
		expect((await browser.post("/dashboard/apps", { _csrf: tampered, name: "Sneaky" })).status).toBe(403);
		const other = h.browser();
		const otherToken = await other.signIn();
		expect(otherToken).not.toBe(csrf);
		expect((await browser.post("/dashboard/apps", { _csrf: otherToken, name: "Sneaky" })).status).toBe(403);
		expect(await appCount()).toBe(1);
	});

	test("a JSON POST does not slip past the form checks", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		await browser.signIn();
		const cookie = `latchkey_session=${browser.cookies.get("latchkey_session")}`;
		const res = await h.dashboardApp.request("/dashboard/apps", {
			method: "POST",
			headers: { cookie, "content-type": "application/json" },
			body: JSON.stringify({ name: "Sneaky" }),
		});
		expect(res.status).toBe(403);
		expect(await appCount()).toBe(1);
	});

	test("with both the origin and the token, the POST works", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		const csrf = await browser.signIn();
		const res = await browser.post("/dashboard/apps", { _csrf: csrf, name: "Second", region: "eu" });
		expect(res.status).toBe(200);
		expect(await appCount()).toBe(2);
	});

	test("the public URL's origin is accepted behind a proxy", async () => {
		h = await createDashboardHarness({ publicURL: "https://console.example.test/" });
		const browser = h.browser();
		const csrf = await browser.signIn();
		const res = await browser.post(
			"/dashboard/apps",
			{ _csrf: csrf, name: "Proxied" },
			{ origin: "https://console.example.test" },
		);
		expect(res.status).toBe(200);
	});
});

describe("setup link", () => {
	async function completeWith(
		browser: ReturnType<DashboardHarness["browser"]>,
		link: string,
		password = OPERATOR.password,
	): Promise<Response> {
		const token = new URL(link).searchParams.get("token") ?? "";
		return await browser.post("/dashboard/setup", { token, email: OPERATOR.email, password, confirm: password });
	}

	test("is offered only while no operator exists", async () => {
		h = await createDashboardHarness();
		expect(await ensureSetupLink(h.dashboardDeps, "http://127.0.0.1:3000")).toBeNull();
	});

	test("creates the first operator and signs them in, once", async () => {
		h = await createDashboardHarness({ withOperator: false });
		const link = await ensureSetupLink(h.dashboardDeps, "http://127.0.0.1:3000/");
		expect(link).toMatch(/^http:\/\/127\.0\.0\.1:3000\/dashboard\/setup\?token=lkst_[0-9a-f]{20}\.[\w-]{43}$/);
		const path = new URL(link ?? "").pathname + new URL(link ?? "").search;
		const browser = h.browser();
		expect((await browser.get(path)).status).toBe(200);
		const res = await completeWith(browser, link ?? "");
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/apps?notice=welcome");
		expect((await browser.get("/dashboard/apps")).status).toBe(200);

		const again = await completeWith(h.browser(), link ?? "", "another password here");
		expect(again.status).toBe(410);
		expect(await again.text()).toContain("This setup link has already been used");
		expect((await h.browser().get(path)).status).toBe(410);
		expect(await h.store.countOperators()).toBe(1);
		expect(await ensureSetupLink(h.dashboardDeps, "http://127.0.0.1:3000")).toBeNull();
	});

	test("two requests racing with one link create exactly one operator", async () => {
		h = await createDashboardHarness({ withOperator: false });
		const link = (await ensureSetupLink(h.dashboardDeps, "http://127.0.0.1:3000")) ?? "";
		const results = await Promise.all([completeWith(h.browser(), link), completeWith(h.browser(), link)]);
		expect(results.map((res) => res.status).sort()).toEqual([303, 410]);
		expect(await h.store.countOperators()).toBe(1);
	});

	test("using one of two links voids the other", async () => {
		h = await createDashboardHarness({ withOperator: false });
		const first = (await ensureSetupLink(h.dashboardDeps, "http://127.0.0.1:3000")) ?? "";
		const second = (await ensureSetupLink(h.dashboardDeps, "http://127.0.0.1:3000")) ?? "";
		expect((await completeWith(h.browser(), second)).status).toBe(303);
		expect((await completeWith(h.browser(), first)).status).toBe(410);
	});

	test("a forged or expired token is refused, and a bad password does not burn the link", async () => {
		h = await createDashboardHarness({ withOperator: false });
		const link = (await ensureSetupLink(h.dashboardDeps, "http://127.0.0.1:3000")) ?? "";
		const token = new URL(link).searchParams.get("token") ?? "";
		const forged = `${token.split(".")[0]}.${"A".repeat(43)}`;
		expect((await h.browser().get(`/dashboard/setup?token=${forged}`)).status).toBe(410);
		expect((await completeWith(h.browser(), `http://x/?token=${forged}`)).status).toBe(410);

		const short = await completeWith(h.browser(), link, "short");
		expect(short.status).toBe(400);
		expect(await short.text()).toContain("The password must be at least 12 characters.");
		const mismatch = await h.browser().post("/dashboard/setup", {
			token,
			email: OPERATOR.email,
			password: OPERATOR.password,
			confirm: "something else entirely",
		});
		expect(mismatch.status).toBe(400);
		expect(await mismatch.text()).toContain("The two passwords are not the same.");

		h.clock.advance(24 * 60 * MINUTE);
		expect((await completeWith(h.browser(), link)).status).toBe(410);
		expect(await h.store.countOperators()).toBe(0);
	});

	test("a setup POST without an Origin is refused", async () => {
		h = await createDashboardHarness({ withOperator: false });
		const link = (await ensureSetupLink(h.dashboardDeps, "http://127.0.0.1:3000")) ?? "";
		const token = new URL(link).searchParams.get("token") ?? "";
		const res = await h
			.browser()
			.post(
				"/dashboard/setup",
				{ token, email: OPERATOR.email, password: OPERATOR.password, confirm: OPERATOR.password },
				{ origin: null },
			);
		expect(res.status).toBe(403);
		expect(await h.store.countOperators()).toBe(0);
	});
});

describe("pages", () => {
	test("a user named like an HTML tag is shown as text everywhere", async () => {
		h = await createDashboardHarness();
		const evil = "<img src=x onerror=alert(1)>";
		await createUser(h.deps, h.seed.app.id, {
			uid: "evil",
			name: evil,
			metadata: { note: "</script><script>alert(2)</script>" },
		});
		const browser = h.browser();
		await browser.signIn();
		for (const path of [`/dashboard/apps/${h.seed.app.id}/users`, `/dashboard/apps/${h.seed.app.id}/users/evil`]) {
			const page = await (await browser.get(path)).text();
			expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
			expect(page).not.toContain("<img");
			expect(page).not.toContain("<script>alert");
		}
	});

	test("every page carries a CSP without unsafe-inline, and refuses framing", async () => {
		h = await createDashboardHarness();
		const res = await h.browser().get("/dashboard/login");
		const csp = res.headers.get("content-security-policy") ?? "";
		expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
		expect(csp).not.toContain("unsafe-inline");
		expect(csp).toContain("frame-ancestors 'none'");
		expect(res.headers.get("referrer-policy")).toBe("no-referrer");
		expect(res.headers.get("cache-control")).toBe("no-store");
	});

	test("a domain error is shown in words with its status, never a stack", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		const csrf = await browser.signIn();
		const res = await browser.post(`/dashboard/apps/${h.seed.app.id}/users`, {
			_csrf: csrf,
			uid: "SUPERHERO1",
			name: "Again",
		});
		expect(res.status).toBe(400);
		const page = await res.text();
		expect(page).toContain("The uid superhero1 already exists.");
		expect(page).not.toMatch(/at \w+ \(/);
		const missing = await browser.get(`/dashboard/apps/${h.seed.app.id}/users/nobody`);
		expect(missing.status).toBe(404);
		expect(await missing.text()).toContain("The UID nobody does not exist");
		// An unknown app is a page that is not there (issue 17), not the REST API's 401.
		const noApp = await browser.get("/dashboard/apps/0000000000000000");
		expect(noApp.status).toBe(404);
		expect(await noApp.text()).toContain("The appId 0000000000000000 does not exist.");
	});

	test("bad metadata JSON is a field error, and the form keeps what was typed", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		const csrf = await browser.signIn();
		const res = await browser.post(`/dashboard/apps/${h.seed.app.id}/users`, {
			_csrf: csrf,
			uid: "carol",
			name: "Carol",
			metadata: "{not json",
		});
		expect(res.status).toBe(400);
		const page = await res.text();
		expect(page).toContain("The metadata must be a JSON object");
		expect(page).toContain('value="carol"');
	});

	test("users paginate on the server and search by prefix", async () => {
		h = await createDashboardHarness();
		for (let i = 0; i < 25; i++) {
			await createUser(h.deps, h.seed.app.id, { uid: `user${String(i).padStart(2, "0")}`, name: `User ${i}` });
		}
		const browser = h.browser();
		await browser.signIn();
		const base = `/dashboard/apps/${h.seed.app.id}/users`;
		const first = await (await browser.get(base)).text();
		expect(first).toContain("Page 1 of 2");
		expect(first).toContain("(30 in all)");
		expect((first.match(/<td data-label="User">/g) ?? []).length).toBe(20);
		const second = await (await browser.get(`${base}?page=2`)).text();
		expect((second.match(/<td data-label="User">/g) ?? []).length).toBe(10);
		const found = await (await browser.get(`${base}?q=user1`)).text();
		expect((found.match(/<td data-label="User">/g) ?? []).length).toBe(10);
		const none = await (await browser.get(`${base}?q=zzz`)).text();
		expect(none).toContain("No user&#39;s uid or name starts with");
	});

	test("live sockets show a count when the realtime hub is wired, and a dash otherwise", async () => {
		h = await createDashboardHarness();
		const browser = h.browser();
		await browser.signIn();
		expect(await (await browser.get(`/dashboard/apps/${h.seed.app.id}`)).text()).toContain('<span class="n">—</span>');
		const calls: Array<[string, string | undefined]> = [];
		const liveSocketCount = (appId: string, uid?: string): number => {
			calls.push([appId, uid]);
			return 7;
		};
		const wired = createWebApp({ ...h.dashboardDeps, dashboard: { ...h.dashboardDeps.dashboard, liveSocketCount } });
		const cookie = `latchkey_session=${browser.cookies.get("latchkey_session")}`;
		const page = await (await wired.request(`/dashboard/apps/${h.seed.app.id}`, { headers: { cookie } })).text();
		expect(page).toContain('<span class="n">7</span>');
		expect(calls).toEqual([[h.seed.app.id, undefined]]);
	});
});
