import { afterEach, describe, expect, test } from "vitest";
import type { AuditInput, AuditRecorder } from "../src/audit/audit-event.ts";
import { createAuditRecorder } from "../src/audit/recorder.ts";
import { createDashboardHarness, type DashboardHarness, type TestBrowser } from "./dashboard-support.ts";
import { createOtherApp } from "./helpers.ts";

// Issue 17, item 7: the audit trail page of an app (filters type, uid, since; newest first; pages by cursor) and the
// overview's "Recent auth events" card, over the audit log of issue 16.

let h: DashboardHarness;
afterEach(async () => {
	await h.close();
});

// Events a few seconds apart: the operator's session (30 minutes idle) outlives the test.
const STEP = 10_000;

async function signedIn(): Promise<{ browser: TestBrowser; base: string; recorder: AuditRecorder }> {
	h = await createDashboardHarness();
	const browser = h.browser();
	await browser.signIn();
	const recorder = createAuditRecorder(
		h.store,
		{ actor: { kind: "apiKey", id: "lkak_0123456789abcdef0123" }, ip: "203.0.113.5", userAgent: "test" },
		{
			clock: h.clock,
			onError: (error) => {
				throw error;
			},
		},
	);
	return { browser, base: `/dashboard/apps/${h.seed.app.id}`, recorder };
}

function login(appId: string, uid: string, n: number): AuditInput {
	return { type: "login.succeeded", appId, subject: uid, details: { uid, method: "authKey", tokenId: `lkat_${n}` } };
}

function revoked(appId: string, uid: string): AuditInput {
	return { type: "token.revoked", appId, subject: uid, details: { uid, reason: "revoked" } };
}

/** The event types and subjects of the table's rows, top to bottom. */
function rowsOf(page: string): string[] {
	return [
		...page.matchAll(/<td data-label="Event"><code>([^<]+)<\/code><\/td>\s*<td data-label="Subject">([^<]+)</g),
	].map((match) => `${match[1]} ${match[2]}`);
}

describe("the overview's Recent auth events card", () => {
	test("without events it says so and links the audit trail", async () => {
		const { browser, base } = await signedIn();
		const page = await (await browser.get(base)).text();
		const start = page.indexOf('<h2 id="events">');
		const card = page.slice(start, page.indexOf("</section>", start));
		expect(card).toContain("No events yet.");
		expect(card).toContain(`<a href="${base}/audit">The whole audit trail →</a>`);
	});

	test("shows the 5 newest events of this app, newest first", async () => {
		const { browser, base, recorder } = await signedIn();
		const other = await createOtherApp(h);
		for (let n = 1; n <= 7; n++) {
			h.clock.advance(STEP);
			await recorder.record(login(h.seed.app.id, `user${n}`, n));
		}
		await recorder.record(login(other.app.id, "stranger", 99));
		const page = await (await browser.get(base)).text();
		expect(rowsOf(page)).toEqual([
			"login.succeeded user7",
			"login.succeeded user6",
			"login.succeeded user5",
			"login.succeeded user4",
			"login.succeeded user3",
		]);
		expect(page).not.toContain("stranger");
	});
});

describe("the audit trail page", () => {
	test("lists events newest first, 25 a page, with Older and Newest links that keep the filters", async () => {
		const { browser, base, recorder } = await signedIn();
		for (let n = 1; n <= 30; n++) {
			h.clock.advance(STEP);
			await recorder.record(login(h.seed.app.id, `user${n}`, n));
		}
		const first = await browser.get(`${base}/audit?type=login.succeeded`);
		expect(first.status).toBe(200);
		const page = await first.text();
		const rows = rowsOf(page);
		expect(rows.length).toBe(25);
		expect(rows[0]).toBe("login.succeeded user30");
		expect(rows[24]).toBe("login.succeeded user6");
		expect(page).toContain('<td data-label="By">API key lkak_0123456789abcdef0123</td>');
		expect(page).toContain('<td data-label="Address">203.0.113.5</td>');
		expect(page).toContain("method: <code>authKey</code>, tokenId: <code>lkat_30</code>");
		const older = /<a href="([^"]+)" rel="next">Older →<\/a>/.exec(page)?.[1]?.replaceAll("&amp;", "&") ?? "";
		expect(older).toMatch(new RegExp(`^${base}/audit\\?type=login.succeeded&cursor=[\\w-]+$`));
		const second = await (await browser.get(older)).text();
		expect(rowsOf(second)).toEqual([5, 4, 3, 2, 1].map((n) => `login.succeeded user${n}`));
		expect(second).not.toContain("Older →");
		expect(second).toContain(`<a href="${base}/audit?type=login.succeeded">← Newest</a>`);
	});

	test("filters by type, uid and since", async () => {
		const { browser, base, recorder } = await signedIn();
		const start = h.clock.now();
		await recorder.record(login(h.seed.app.id, "alice", 1));
		h.clock.advance(6 * STEP);
		await recorder.record(revoked(h.seed.app.id, "alice"));
		await recorder.record(login(h.seed.app.id, "bob", 2));
		const byType = await (await browser.get(`${base}/audit?type=token.revoked`)).text();
		expect(rowsOf(byType)).toEqual(["token.revoked alice"]);
		expect(byType).toContain('<option value="token.revoked" selected>token.revoked</option>');
		const byUid = await (await browser.get(`${base}/audit?uid=ALICE`)).text();
		expect(rowsOf(byUid)).toEqual(["token.revoked alice", "login.succeeded alice"]);
		const since = new Date(start + 3 * STEP).toISOString();
		const bySince = await (await browser.get(`${base}/audit?since=${encodeURIComponent(since)}`)).text();
		expect(rowsOf(bySince)).toEqual(["login.succeeded bob", "token.revoked alice"]);
		const none = await (await browser.get(`${base}/audit?uid=nobody`)).text();
		expect(none).toContain("No events match these filters.");
		expect(none).toContain(`<a href="${base}/audit">Clear</a>`);
	});

	test("a bad filter or cursor is a 400 naming it, with the form kept", async () => {
		const { browser, base } = await signedIn();
		for (const [query, message] of [
			["type=login.guessed", "The type must be one of user.created,"],
			["since=yesterday", "The since must be a time in unix milliseconds or an ISO 8601 date-time."],
			["uid=a%20b", "The uid may only contain letters, numbers, dashes and underscores."],
			["cursor=forged", "The cursor is not one this API answered."],
		] as const) {
			const res = await browser.get(`${base}/audit?${query}`);
			expect({ query, status: res.status }).toEqual({ query, status: 400 });
			const page = await res.text();
			expect(page).toContain(message);
			expect(page).toContain('<form class="filters" method="get"');
		}
	});

	test("event details are escaped", async () => {
		const { browser, base, recorder } = await signedIn();
		await recorder.record({
			type: "user.updated",
			appId: h.seed.app.id,
			subject: "<b>x</b>",
			details: { uid: "x", name: "<img src=x onerror=alert(1)>" },
		});
		const page = await (await browser.get(`${base}/audit`)).text();
		expect(page).not.toContain("<img src=x");
		expect(page).toContain("name: <code>&lt;img src=x onerror=alert(1)&gt;</code>");
		expect(page).toContain("&lt;b&gt;x&lt;/b&gt;");
	});

	test("needs a session; an unknown app is refused", async () => {
		const { browser, base } = await signedIn();
		const anonymous = await h.browser().get(`${base}/audit`);
		expect(anonymous.status).toBe(303);
		expect(anonymous.headers.get("location")).toBe(`/dashboard/login?next=${encodeURIComponent(`${base}/audit`)}`);
		const unknown = await browser.get("/dashboard/apps/nope/audit");
		expect(unknown.status).toBe(404);
		expect(await unknown.text()).toContain("The appId nope does not exist.");
	});
});
