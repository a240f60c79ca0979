import { afterEach, describe, expect, test } from "vitest";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import type { OperatorInviteRecord, OperatorRecord } from "../src/store/store.ts";
import { createDashboardHarness, type DashboardHarness, OPERATOR, type TestBrowser } from "./dashboard-support.ts";
import { DIALECTS, openTestStore } from "./stores.ts";

// Issue 17, item 5: the Operators page: list, invite (one-time link), accept, remove (not the last), change own
// password (re-authentication through the sign-in throttle), sign out everywhere.

let h: DashboardHarness | null = null;
afterEach(async () => {
	await h?.close();
	h = null;
});

/** The harness of the running test (set by signedIn or the test itself). */
function harness(): DashboardHarness {
	if (!h) throw new Error("no harness");
	return h;
}

const HOUR = 60 * 60 * 1000;
const INVITEE = { email: "new.op@example.test", name: "New Op", password: "the invitee's password" };

async function signedIn(): Promise<{ browser: TestBrowser; csrf: string }> {
	h = await createDashboardHarness();
	const browser = harness().browser("203.0.113.1");
	return { browser, csrf: await browser.signIn() };
}

/** Creates an invite through the page; returns the link's token. */
async function invite(browser: TestBrowser, csrf: string, email = INVITEE.email): Promise<string> {
	const res = await browser.post("/dashboard/operators/invite", { _csrf: csrf, email });
	expect(res.status).toBe(303);
	const landing = res.headers.get("location") ?? "";
	expect(landing).toMatch(/^\/dashboard\/operators\?notice=invited&flash=[\w-]+$/);
	const page = await (await browser.get(landing)).text();
	const match =
		/<code id="invite-link" class="secret">http:\/\/localhost\/dashboard\/invite\?token=([^<]+)<\/code>/.exec(page);
	if (!match?.[1]) throw new Error("no invite link on the page");
	return decodeURIComponent(match[1]);
}

/** Accepts an invite in a fresh browser; returns that browser (signed in) and the answer. */
async function accept(
	token: string,
	fields: Partial<{ name: string; password: string; confirm: string }> = {},
): Promise<{ invitee: TestBrowser; res: Response }> {
	const invitee = harness().browser("203.0.113.2");
	const res = await invitee.post("/dashboard/invite", {
		token,
		name: INVITEE.name,
		password: INVITEE.password,
		confirm: fields.password ?? INVITEE.password,
		...fields,
	});
	return { invitee, res };
}

async function operatorIdOf(email: string): Promise<string> {
	const found = (await harness().store.listOperators()).find((operator) => operator.email === email);
	if (!found) throw new Error(`no operator ${email}`);
	return found.id;
}

/** A copy of the browser's session cookie in another browser, so a cleared cookie still proves the session ended. */
function copyOf(browser: TestBrowser): TestBrowser {
	const copy = harness().browser("203.0.113.99");
	copy.cookies.set("latchkey_session", browser.cookies.get("latchkey_session") ?? "");
	return copy;
}

async function expectSignedOut(browser: TestBrowser): Promise<void> {
	const res = await browser.get("/dashboard/apps");
	expect(res.status).toBe(303);
	expect(res.headers.get("location")).toBe("/dashboard/login?next=%2Fdashboard%2Fapps&notice=expired");
}

describe("the operators page", () => {
	test("lists every operator; the only one cannot be removed", async () => {
		const { browser } = await signedIn();
		const page = await (await browser.get("/dashboard/operators")).text();
		expect(page).toContain(`<td data-label="Email">${OPERATOR.email} <span class="badge">you</span></td>`);
		expect(page).toContain("The only operator cannot be removed.");
		expect(page).not.toContain("/remove");
		expect(page).toContain('<a href="/dashboard/operators">Operators</a>');
	});

	test("needs a session", async () => {
		h = await createDashboardHarness();
		const res = await harness().browser().get("/dashboard/operators");
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/login?next=%2Fdashboard%2Foperators");
	});
});

describe("invites", () => {
	test("an invite shows a one-time link once; only a hash is stored; it is listed as pending", async () => {
		const { browser, csrf } = await signedIn();
		const res = await browser.post("/dashboard/operators/invite", { _csrf: csrf, email: INVITEE.email });
		const landing = res.headers.get("location") ?? "";
		const shown = await (await browser.get(landing)).text();
		expect(shown).toContain("The invite was created.");
		const token = decodeURIComponent(/invite\?token=([^<]+)<\/code>/.exec(shown)?.[1] ?? "");
		// A reload of the landing page shows the link no more, and invites nobody else.
		const reloaded = await (await browser.get(landing)).text();
		expect(reloaded).not.toContain("invite?token=");
		expect(await harness().store.listOperatorInvites(harness().clock.now())).toHaveLength(1);
		expect(token).toMatch(/^lkoi_[0-9a-f]{20}\.[\w-]{43}$/);
		const [id, secret] = token.split(".") as [string, string];
		const stored = await harness().store.getOperatorInvite(id);
		expect(stored).toMatchObject({
			email: INVITEE.email,
			invitedBy: OPERATOR.email,
			expiresAt: harness().clock.now() + 24 * HOUR,
		});
		expect(JSON.stringify(stored)).not.toContain(secret);
		const page = await (await browser.get("/dashboard/operators")).text();
		expect(page).toContain(`<td data-label="Email">${INVITEE.email}</td>`);
		expect(page).not.toContain(secret);
	});

	test("inviting an operator's email, or a bad one, is a 400 with the field's message", async () => {
		const { browser, csrf } = await signedIn();
		for (const [email, message] of [
			[OPERATOR.email.toUpperCase(), `An operator with the email ${OPERATOR.email.toUpperCase()} already exists.`],
			["not-an-email", "The email must be a valid email address."],
		] as const) {
			const res = await browser.post("/dashboard/operators/invite", { _csrf: csrf, email });
			expect(res.status).toBe(400);
			expect(await res.text()).toContain(message);
		}
		expect(await harness().store.listOperatorInvites(harness().clock.now())).toEqual([]);
	});

	test("the invitee sets name and password, is signed in, and is listed with their name", async () => {
		const { browser, csrf } = await signedIn();
		const token = await invite(browser, csrf);
		const form = await harness()
			.browser()
			.get(`/dashboard/invite?token=${encodeURIComponent(token)}`);
		expect(form.status).toBe(200);
		expect(await form.text()).toContain(`value="${INVITEE.email}" readonly`);
		const { invitee, res } = await accept(token);
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/apps?notice=welcome");
		expect((await invitee.get("/dashboard/apps")).status).toBe(200);
		const page = await (await browser.get("/dashboard/operators")).text();
		expect(page).toContain(`<td data-label="Name">${INVITEE.name}</td>`);
		expect(await harness().store.listOperatorInvites(harness().clock.now())).toEqual([]);
		// The new operator signs in with the password they chose.
		const again = harness().browser("203.0.113.3");
		await again.signIn({ email: INVITEE.email, password: INVITEE.password });
	});

	test("a link works once: used, forged, withdrawn or expired, it is a 410 and creates nobody", async () => {
		const { browser, csrf } = await signedIn();
		const used = await invite(browser, csrf);
		expect((await accept(used)).res.status).toBe(303);
		const again = await accept(used, { name: "Second" });
		expect(again.res.status).toBe(410);
		expect(await again.res.text()).toContain("This invite link has already been used, was withdrawn, or has expired.");

		const other = await invite(browser, csrf, "other@example.test");
		const [otherId] = other.split(".") as [string];
		expect((await accept(`${otherId}.${"A".repeat(43)}`)).res.status).toBe(410);
		expect((await harness().browser().get(`/dashboard/invite?token=${otherId}.forged`)).status).toBe(410);

		harness().clock.advance(24 * HOUR);
		expect(
			(
				await harness()
					.browser()
					.get(`/dashboard/invite?token=${encodeURIComponent(other)}`)
			).status,
		).toBe(410);
		expect((await accept(other)).res.status).toBe(410);
		// Both were created at the same (test) millisecond, so their order is the ids'.
		expect((await harness().store.listOperators()).map((operator) => operator.email).sort()).toEqual(
			[INVITEE.email, OPERATOR.email].sort(),
		);
	});

	test("a withdrawn invite's link stops working; withdrawing asks first", async () => {
		const { browser, csrf } = await signedIn();
		const token = await invite(browser, csrf);
		const [id] = token.split(".") as [string];
		const asked = await browser.post(`/dashboard/operators/invites/${id}/revoke`, { _csrf: csrf });
		expect(asked.status).toBe(200);
		expect(await asked.text()).toContain(`Withdraw the invite for ${INVITEE.email}: its link stops working.`);
		expect(await harness().store.getOperatorInvite(id)).not.toBeNull();
		const res = await browser.post(`/dashboard/operators/invites/${id}/revoke`, { _csrf: csrf, confirm: "1" });
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/operators?notice=invite-revoked");
		expect((await accept(token)).res.status).toBe(410);
	});

	test("a too-short password or different repeat is a 400 and does not use the link up", async () => {
		const { browser, csrf } = await signedIn();
		const token = await invite(browser, csrf);
		const short = await accept(token, { password: "short" });
		expect(short.res.status).toBe(400);
		expect(await short.res.text()).toContain("The password must be at least 12 characters.");
		const differs = await accept(token, { confirm: "something else entirely" });
		expect(differs.res.status).toBe(400);
		expect(await differs.res.text()).toContain("The two passwords are not the same.");
		const noName = await accept(token, { name: "  " });
		expect(noName.res.status).toBe(400);
		expect(await noName.res.text()).toContain("The name field is required.");
		expect((await accept(token)).res.status).toBe(303);
	});

	test("of two accepts of one link at the same moment exactly one creates the operator", async () => {
		const { browser, csrf } = await signedIn();
		const token = await invite(browser, csrf);
		const results = await Promise.all([accept(token), accept(token, { name: "Racer" })]);
		expect(results.map((result) => result.res.status).sort()).toEqual([303, 410]);
		expect((await harness().store.listOperators()).length).toBe(2);
	});

	test("an email that became an operator meanwhile is refused and nothing is created twice", async () => {
		const { browser, csrf } = await signedIn();
		const token = await invite(browser, csrf);
		const second = await invite(browser, csrf);
		expect((await accept(token)).res.status).toBe(303);
		const res = (await accept(second)).res;
		expect(res.status).toBe(400);
		expect(await res.text()).toContain(`An operator with the email ${INVITEE.email} already exists.`);
		expect((await harness().store.listOperators()).length).toBe(2);
	});

	test("an accept posted from another origin is refused", async () => {
		const { browser, csrf } = await signedIn();
		const token = await invite(browser, csrf);
		const res = await harness()
			.browser()
			.post(
				"/dashboard/invite",
				{ token, name: "x", password: INVITEE.password, confirm: INVITEE.password },
				{ origin: "http://evil.test" },
			);
		expect(res.status).toBe(403);
		expect((await harness().store.listOperators()).length).toBe(1);
	});
});

describe("removing an operator", () => {
	test("invite → sign in as the invitee → remove them: their session ends at once", async () => {
		const { browser, csrf } = await signedIn();
		const { invitee } = await accept(await invite(browser, csrf));
		expect((await invitee.get("/dashboard/apps")).status).toBe(200);
		const id = await operatorIdOf(INVITEE.email);

		const asked = await browser.post(`/dashboard/operators/${id}/remove`, { _csrf: csrf });
		expect(asked.status).toBe(200);
		expect(await asked.text()).toContain(
			`Remove operator ${INVITEE.email}: they can no longer sign in, and every session of theirs ends at once.`,
		);
		expect((await invitee.get("/dashboard/apps")).status).toBe(200);

		const res = await browser.post(`/dashboard/operators/${id}/remove`, { _csrf: csrf, confirm: "1" });
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/operators?notice=operator-removed");
		await expectSignedOut(invitee);
		expect((await harness().store.listOperators()).map((operator) => operator.email)).toEqual([OPERATOR.email]);
		const login = await harness().browser("203.0.113.9").get("/dashboard/login");
		expect(login.status).toBe(200);
		await expect(
			harness().browser("203.0.113.9").signIn({ email: INVITEE.email, password: INVITEE.password }),
		).rejects.toThrow("sign-in answered 401");
	});

	test("the last operator cannot be removed", async () => {
		const { browser, csrf } = await signedIn();
		const id = await operatorIdOf(OPERATOR.email);
		const res = await browser.post(`/dashboard/operators/${id}/remove`, { _csrf: csrf, confirm: "1" });
		expect(res.status).toBe(400);
		expect(await res.text()).toContain("The last operator cannot be removed: invite another operator first.");
		expect((await harness().store.listOperators()).length).toBe(1);
		expect((await browser.get("/dashboard/apps")).status).toBe(200);
	});

	test("two operators removing each other at once leave one", async () => {
		const { browser, csrf } = await signedIn();
		const { invitee } = await accept(await invite(browser, csrf));
		const inviteeCSRF = /name="_csrf" value="([^"]+)"/.exec(
			await (await invitee.get("/dashboard/operators")).text(),
		)?.[1];
		const [ownerId, inviteeId] = [await operatorIdOf(OPERATOR.email), await operatorIdOf(INVITEE.email)];
		const results = await Promise.all([
			browser.post(`/dashboard/operators/${inviteeId}/remove`, { _csrf: csrf, confirm: "1" }),
			invitee.post(`/dashboard/operators/${ownerId}/remove`, { _csrf: inviteeCSRF ?? "", confirm: "1" }),
		]);
		// One wins; the other is refused as the last operator, or finds its own session already ended.
		const removed = results.filter(
			(res) => res.headers.get("location") === "/dashboard/operators?notice=operator-removed",
		);
		expect(removed.length).toBe(1);
		expect((await harness().store.listOperators()).length).toBe(1);
	});

	test("removing oneself (not the last) signs out at once", async () => {
		const { browser, csrf } = await signedIn();
		await accept(await invite(browser, csrf));
		const copy = copyOf(browser);
		const res = await browser.post(`/dashboard/operators/${await operatorIdOf(OPERATOR.email)}/remove`, {
			_csrf: csrf,
			confirm: "1",
		});
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/login?notice=signed-out");
		expect(browser.cookies.has("latchkey_session")).toBe(false);
		await expectSignedOut(copy);
	});

	test("an unknown operator is a 400", async () => {
		const { browser, csrf } = await signedIn();
		const res = await browser.post("/dashboard/operators/op_nobody/remove", { _csrf: csrf, confirm: "1" });
		expect(res.status).toBe(400);
		expect(await res.text()).toContain("That operator does not exist any more.");
	});
});

describe("changing one's password", () => {
	const NEW_PASSWORD = "a brand new passphrase";

	test("needs the current password; then the old one stops working, other sessions end, this one stays", async () => {
		const { browser, csrf } = await signedIn();
		const elsewhere = harness().browser("203.0.113.7");
		await elsewhere.signIn();
		const wrong = await browser.post("/dashboard/account/password", {
			_csrf: csrf,
			currentPassword: "not my password",
			newPassword: NEW_PASSWORD,
			confirmPassword: NEW_PASSWORD,
		});
		expect(wrong.status).toBe(400);
		expect(await wrong.text()).toContain("The current password is wrong.");
		expect((await elsewhere.get("/dashboard/apps")).status).toBe(200);

		const res = await browser.post("/dashboard/account/password", {
			_csrf: csrf,
			currentPassword: OPERATOR.password,
			newPassword: NEW_PASSWORD,
			confirmPassword: NEW_PASSWORD,
		});
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/operators?notice=password-changed");
		expect((await browser.get("/dashboard/apps")).status).toBe(200);
		await expectSignedOut(elsewhere);
		await expect(harness().browser("203.0.113.8").signIn()).rejects.toThrow("sign-in answered 401");
		await harness().browser("203.0.113.8").signIn({ email: OPERATOR.email, password: NEW_PASSWORD });
	});

	test("a too-short or unrepeated new password is a 400 and changes nothing", async () => {
		const { browser, csrf } = await signedIn();
		const short = await browser.post("/dashboard/account/password", {
			_csrf: csrf,
			currentPassword: OPERATOR.password,
			newPassword: "short",
			confirmPassword: "short",
		});
		expect(short.status).toBe(400);
		expect(await short.text()).toContain("The newPassword must be at least 12 characters.");
		const differs = await browser.post("/dashboard/account/password", {
			_csrf: csrf,
			currentPassword: OPERATOR.password,
			newPassword: NEW_PASSWORD,
			confirmPassword: "something else entirely",
		});
		expect(differs.status).toBe(400);
		expect(await differs.text()).toContain("The two new passwords are not the same.");
		await harness().browser("203.0.113.8").signIn();
	});

	test("guessing the current password goes through the sign-in throttle", async () => {
		const { browser, csrf } = await signedIn();
		const guess = (): Promise<Response> =>
			browser.post("/dashboard/account/password", {
				_csrf: csrf,
				currentPassword: "a wrong guess here",
				newPassword: NEW_PASSWORD,
				confirmPassword: NEW_PASSWORD,
			});
		for (let attempt = 0; attempt < 5; attempt++) expect((await guess()).status).toBe(400);
		const checks = harness().passwordChecks();
		const refused = await guess();
		expect(refused.status).toBe(429);
		expect(refused.headers.get("retry-after")).toBe("900");
		expect(await refused.text()).toContain("Too many failed sign-in attempts from this address.");
		expect(harness().passwordChecks()).toBe(checks);
	});
});

describe("signing out everywhere", () => {
	test("ends every session of the operator, this one included, and no other operator's", async () => {
		const { browser, csrf } = await signedIn();
		const laptop = harness().browser("203.0.113.4");
		await laptop.signIn();
		const { invitee } = await accept(await invite(browser, csrf));
		const copy = copyOf(browser);
		const res = await browser.post("/dashboard/account/sign-out-everywhere", { _csrf: csrf });
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/login?notice=signed-out");
		expect(browser.cookies.has("latchkey_session")).toBe(false);
		await expectSignedOut(copy);
		await expectSignedOut(laptop);
		expect((await invitee.get("/dashboard/apps")).status).toBe(200);
	});
});

describe("CSRF on every new form", () => {
	test("without the session's token, or from another origin, each is refused and changes nothing", async () => {
		const { browser, csrf } = await signedIn();
		const token = await invite(browser, csrf);
		const [inviteId] = token.split(".") as [string];
		const ownerId = await operatorIdOf(OPERATOR.email);
		const forms: Array<[string, Record<string, string>]> = [
			["/dashboard/operators/invite", { email: "x@example.test" }],
			[`/dashboard/operators/invites/${inviteId}/revoke`, { confirm: "1" }],
			[`/dashboard/operators/${ownerId}/remove`, { confirm: "1" }],
			[
				"/dashboard/account/password",
				{ currentPassword: OPERATOR.password, newPassword: "hijacked password", confirmPassword: "hijacked password" },
			],
			["/dashboard/account/sign-out-everywhere", {}],
		];
		for (const [path, fields] of forms) {
			const missing = await browser.post(path, fields);
			expect({ path, status: missing.status }).toEqual({ path, status: 403 });
			const wrong = await browser.post(path, { ...fields, _csrf: `${csrf.slice(0, -2)}xx` });
			expect({ path, status: wrong.status }).toEqual({ path, status: 403 });
			const foreign = await browser.post(path, { ...fields, _csrf: csrf }, { origin: "http://evil.test" });
			expect({ path, status: foreign.status }).toEqual({ path, status: 403 });
		}
		expect((await harness().store.listOperatorInvites(harness().clock.now())).map((pending) => pending.email)).toEqual([
			INVITEE.email,
		]);
		expect((await harness().store.listOperators()).length).toBe(1);
		expect((await browser.get("/dashboard/apps")).status).toBe(200);
		await harness().browser("203.0.113.8").signIn();
	});
});

describe.each(DIALECTS)("operator store methods (%s)", (dialect) => {
	let store: KyselyStore;
	afterEach(async () => {
		await store.close();
	});

	function operator(id: string, email: string): OperatorRecord {
		return { id, email, emailLower: email.toLowerCase(), passwordHash: "fake:x", createdAt: 1_000 };
	}

	function invite(id: string, email: string, expiresAt = 10_000): OperatorInviteRecord {
		return { id, secretHash: "h1", email, emailLower: email, invitedBy: "a@x.test", createdAt: 0, expiresAt };
	}

	test("of two removals of each other at once, one removes and the other is refused as the last", async () => {
		store = await openTestStore(dialect);
		await store.insertOperator(operator("op_a", "a@x.test"));
		await store.insertOperator(operator("op_b", "b@x.test"));
		const outcomes = await Promise.all([store.deleteOperator("op_a"), store.deleteOperator("op_b")]);
		expect(outcomes.sort()).toEqual(["last", "removed"]);
		expect((await store.listOperators()).length).toBe(1);
		expect(await store.deleteOperator("op_nobody")).toBe("notFound");
	});

	test("an invite is claimed once, only with its hash and before it expires; a taken email keeps it", async () => {
		store = await openTestStore(dialect);
		await store.insertOperator(operator("op_a", "a@x.test"));
		await store.insertOperatorInvite(invite("lkoi_1", "b@x.test"));
		await store.insertOperatorInvite(invite("lkoi_2", "a@x.test"));
		expect(await store.claimOperatorInvite("lkoi_1", "wrong", 5, operator("op_b", "b@x.test"), { name: "B" })).toBe(
			"invalid",
		);
		expect(await store.claimOperatorInvite("lkoi_1", "h1", 10_000, operator("op_b", "b@x.test"), { name: "B" })).toBe(
			"invalid",
		);
		const racers = await Promise.all([
			store.claimOperatorInvite("lkoi_1", "h1", 5, operator("op_b", "b@x.test"), { name: "B" }),
			store.claimOperatorInvite("lkoi_1", "h1", 5, operator("op_c", "b@x.test"), { name: "C" }),
		]);
		expect(racers.sort()).toEqual(["created", "invalid"]);
		expect(await store.claimOperatorInvite("lkoi_2", "h1", 5, operator("op_d", "a@x.test"), { name: null })).toBe(
			"emailTaken",
		);
		expect((await store.getOperatorInvite("lkoi_2"))?.email).toBe("a@x.test");
		expect((await store.listOperators()).map(({ email, name }) => ({ email, name }))).toEqual([
			{ email: "a@x.test", name: null },
			{ email: "b@x.test", name: expect.stringMatching(/^[BC]$/) },
		]);
	});

	test("a password change ends the operator's other sessions; sign-out-everywhere ends all of them", async () => {
		store = await openTestStore(dialect);
		await store.insertOperator(operator("op_a", "a@x.test"));
		await store.insertOperator(operator("op_b", "b@x.test"));
		for (const [id, operatorId] of [
			["lkos_1", "op_a"],
			["lkos_2", "op_a"],
			["lkos_3", "op_b"],
		] as const) {
			await store.insertOperatorSession(
				{ id, operatorId, secretHash: "s", createdAt: 1_000, lastSeenAt: 1_000 },
				{ pruneCreatedBefore: 0 },
			);
		}
		expect(await store.updateOperatorPassword("op_a", "fake:new", { keepSessionId: "lkos_1" })).toBe(true);
		expect(await store.getOperatorSession("lkos_2")).toBeNull();
		expect((await store.getOperatorSession("lkos_1"))?.operator.passwordHash).toBe("fake:new");
		expect(await store.deleteOperatorSessions("op_a", {})).toBe(1);
		expect(await store.getOperatorSession("lkos_1")).toBeNull();
		expect(await store.getOperatorSession("lkos_3")).not.toBeNull();
	});
});
