import { afterEach, describe, expect, test } from "vitest";
import { createUser, deleteUser } from "../src/domain/users.ts";
import { createDashboardHarness, type DashboardHarness, type TestBrowser } from "./dashboard-support.ts";
import { DIALECTS } from "./stores.ts";

// Issue 17: the users list's newest-first order (`?sort=newest`), kept with the search and the Deactivated filter;
// and /favicon.ico at the site root.

let h: DashboardHarness;
afterEach(async () => {
	await h.close();
});

/**
 * Users created at nine moments after the seeded samples (superhero1-5, all at one moment), several at each, in an
 * order that is neither uid order nor its reverse, so only "creation time descending, then uid" gives the lists below.
 */
const CREATED_TOGETHER = [
	["u05", "u17", "u11"],
	["u02"],
	["u20", "u08", "u14", "u23"],
	["u01", "u25"],
	["u13"],
	["u09", "u04", "u22"],
	["u16", "u19"],
	["u06", "u24", "u10", "u03"],
	["u18", "u12", "u21", "u07", "u15"],
];

const SAMPLES = ["superhero1", "superhero2", "superhero3", "superhero4", "superhero5"];

/** Every user of CREATED_TOGETHER, newest first, equal times by uid (written out, not computed). */
const NEWEST_FIRST = [
	...["u07", "u12", "u15", "u18", "u21"],
	...["u03", "u06", "u10", "u24"],
	...["u16", "u19"],
	...["u04", "u09", "u22"],
	"u13",
	...["u01", "u25"],
	...["u08", "u14", "u20", "u23"],
	"u02",
	...["u05", "u11", "u17"],
];

interface SignedIn {
	browser: TestBrowser;
	base: string;
}

async function signedInWithUsers(dialect: "sqlite" | "postgres" = "sqlite"): Promise<SignedIn> {
	h = await createDashboardHarness({ dialect });
	for (const uids of CREATED_TOGETHER) {
		h.clock.advance(1_000);
		for (const uid of uids) await createUser(h.deps, h.seed.app.id, { uid, name: `Person ${uid}` });
	}
	const browser = h.browser();
	await browser.signIn();
	return { browser, base: `/dashboard/apps/${h.seed.app.id}` };
}

/** The UID column of a users page, top to bottom. */
function uidsOn(page: string): string[] {
	return [...page.matchAll(/<td data-label="UID"><code>([^<]*)<\/code><\/td>/g)].map((match) => match[1] ?? "");
}

function decodeHref(href: string): string {
	return href.replaceAll("&amp;", "&");
}

/** Follows the Next links from `path` as a browser would; the UIDs of each page, and every href followed. */
async function walkPages(browser: TestBrowser, path: string): Promise<{ pages: string[][]; hrefs: string[] }> {
	const pages: string[][] = [];
	const hrefs = [path];
	let href: string | null = path;
	while (href !== null && pages.length < 10) {
		const res = await browser.get(href);
		expect(res.status).toBe(200);
		const page = await res.text();
		pages.push(uidsOn(page));
		const next = /<a href="([^"]*)" rel="next">/.exec(page)?.[1];
		href = next === undefined ? null : decodeHref(next);
		if (href !== null) hrefs.push(href);
	}
	return { pages, hrefs };
}

/** A nav of the page, whole. */
function navOf(page: string, label: string): string | null {
	return new RegExp(`<nav class="filters" aria-label="${label}">[\\s\\S]*?</nav>`).exec(page)?.[0] ?? null;
}

describe.each(DIALECTS)("users newest first (%s)", (dialect) => {
	test("sort=newest lists creation time descending, equal times by uid, across pages", async () => {
		const { browser, base } = await signedInWithUsers(dialect);
		const { pages, hrefs } = await walkPages(browser, `${base}/users?sort=newest`);
		expect(pages).toEqual([NEWEST_FIRST.slice(0, 20), [...NEWEST_FIRST.slice(20), ...SAMPLES]]);
		expect(hrefs).toEqual([`${base}/users?sort=newest`, `${base}/users?sort=newest&page=2`]);
	});

	test("without sort (or with an unknown one) the list stays in uid order", async () => {
		const { browser, base } = await signedInWithUsers(dialect);
		const byUid = [...SAMPLES, ...[...NEWEST_FIRST].sort()];
		const expected = [byUid.slice(0, 20), byUid.slice(20)];
		expect((await walkPages(browser, `${base}/users`)).pages).toEqual(expected);
		for (const sort of ["oldest", "created_at desc", "NEWEST", "newest'--", ""]) {
			const { pages } = await walkPages(browser, `${base}/users?${new URLSearchParams({ sort })}`);
			expect(pages).toEqual(expected);
		}
	});

	test("with a search, only matching users, newest first, across pages", async () => {
		const { browser, base } = await signedInWithUsers(dialect);
		const { pages, hrefs } = await walkPages(browser, `${base}/users?q=u&sort=newest`);
		expect(pages).toEqual([NEWEST_FIRST.slice(0, 20), NEWEST_FIRST.slice(20)]);
		expect(hrefs[1]).toBe(`${base}/users?q=u&sort=newest&page=2`);
		const narrow = await walkPages(browser, `${base}/users?q=U1&sort=newest`);
		expect(narrow.pages).toEqual([["u12", "u15", "u18", "u10", "u16", "u19", "u13", "u14", "u11", "u17"]]);
	});

	test("the Deactivated filter orders by creation, not deactivation, newest first across pages", async () => {
		const { browser, base } = await signedInWithUsers(dialect);
		// Deactivated in uid order with the clock moving on, so an order by deactivation time would differ.
		const kept = ["u07", "u13"];
		for (const uid of [...NEWEST_FIRST].sort().concat("superhero2")) {
			if (kept.includes(uid)) continue;
			h.clock.advance(1_000);
			await deleteUser(h.deps, h.seed.app.id, uid);
		}
		const deactivated = NEWEST_FIRST.filter((uid) => !kept.includes(uid));

		const all = await walkPages(browser, `${base}/users?status=deactivated&sort=newest`);
		expect(all.pages).toEqual([deactivated.slice(0, 20), [...deactivated.slice(20), "superhero2"]]);
		expect(all.hrefs[1]).toBe(`${base}/users?status=deactivated&sort=newest&page=2`);

		const searched = await walkPages(browser, `${base}/users?status=deactivated&q=u&sort=newest`);
		expect(searched.pages).toEqual([deactivated.slice(0, 20), deactivated.slice(20)]);
		expect(searched.hrefs[1]).toBe(`${base}/users?q=u&status=deactivated&sort=newest&page=2`);

		const active = await walkPages(browser, `${base}/users?sort=newest`);
		expect(active.pages).toEqual([["u07", "u13", "superhero1", "superhero3", "superhero4", "superhero5"]]);
	});
});

describe("the order control", () => {
	test("the Order links keep the search and filter; the filter links and the search form keep the order", async () => {
		const { browser, base } = await signedInWithUsers();
		const page = await (await browser.get(`${base}/users?status=deactivated&q=u&sort=newest`)).text();
		expect(navOf(page, "Order")).toBe(`<nav class="filters" aria-label="Order">
	<a href="${base}/users?q=u&amp;status=deactivated">By uid</a>
	<a href="${base}/users?q=u&amp;status=deactivated&amp;sort=newest" aria-current="page">Newest first</a>
</nav>`);
		expect(navOf(page, "Which users")).toBe(`<nav class="filters" aria-label="Which users">
	<a href="${base}/users?sort=newest">Active</a>
	<a href="${base}/users?status=deactivated&amp;sort=newest" aria-current="page">Deactivated</a>
</nav>`);
		const form = /<form method="get"[\s\S]*?<\/form>/.exec(page)?.[0] ?? "";
		expect(form).toContain('<input type="hidden" name="status" value="deactivated">');
		expect(form).toContain('<input type="hidden" name="sort" value="newest">');
		expect(form).toContain('value="u"');

		const plain = await (await browser.get(`${base}/users`)).text();
		expect(navOf(plain, "Order")).toBe(`<nav class="filters" aria-label="Order">
	<a href="${base}/users" aria-current="page">By uid</a>
	<a href="${base}/users?sort=newest">Newest first</a>
</nav>`);
		expect(navOf(plain, "Which users")).toBe(`<nav class="filters" aria-label="Which users">
	<a href="${base}/users" aria-current="page">Active</a>
	<a href="${base}/users?status=deactivated">Deactivated</a>
</nav>`);
		expect(/<form method="get"[\s\S]*?<\/form>/.exec(plain)?.[0]).not.toContain('name="sort"');
	});

	test("a search with a quote is escaped in the Order links", async () => {
		const { browser, base } = await signedInWithUsers();
		const page = await (
			await browser.get(`${base}/users?${new URLSearchParams({ q: `"><b>x`, sort: "newest" })}`)
		).text();
		expect(navOf(page, "Order")).toBe(`<nav class="filters" aria-label="Order">
	<a href="${base}/users?q=%22%3E%3Cb%3Ex">By uid</a>
	<a href="${base}/users?q=%22%3E%3Cb%3Ex&amp;sort=newest" aria-current="page">Newest first</a>
</nav>`);
		expect(page).not.toContain("<b>x");
	});

	test("signed out, sort=newest shows nothing and sends to the sign-in page", async () => {
		const { base } = await signedInWithUsers();
		const res = await h.browser().get(`${base}/users?sort=newest`);
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe(
			`/dashboard/login?next=${encodeURIComponent(`${base}/users?sort=newest`)}`,
		);
		expect(await res.text()).not.toContain("u07");
	});
});

describe("/favicon.ico at the site root", () => {
	test("answers the dashboard's icon, without sign-in, cached for a week", async () => {
		h = await createDashboardHarness();
		const res = await h.app.request("/favicon.ico");
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("image/svg+xml");
		expect(res.headers.get("cache-control")).toBe("public, max-age=604800");
		const dashboard = await h.app.request("/dashboard/favicon.ico");
		expect(dashboard.status).toBe(200);
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect(bytes.length).toBeGreaterThan(0);
		expect(bytes).toEqual(new Uint8Array(await dashboard.arrayBuffer()));
	});

	test("other root paths are still the API's 404 in its envelope", async () => {
		h = await createDashboardHarness();
		const res = await h.app.request("/favicon.png");
		expect(res.status).toBe(404);
		expect(await res.json()).toEqual({
			error: {
				code: "ERR_API_NOT_FOUND",
				message: "The endpoint GET /favicon.png does not exist.",
				devMessage: "The endpoint GET /favicon.png does not exist.",
				source: "chat-api",
				details: {},
			},
		});
	});
});
