import { existsSync, mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OPERATIONS } from "../src/http/openapi/operations.ts";
import { createHarness, type Harness } from "./harness.ts";
import { SERVER_ROOT } from "./process.ts";

/**
 * Issue 13 item 4: the reference page really renders under its own CSP, from this server's files only. Runs when
 * Chromium is installed (apt-get install chromium, or CHROMIUM_PATH), like dashboard-browser.test.ts.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = path.join(SERVER_ROOT, "test-results");

if (!HAVE_CHROMIUM) {
	console.warn(
		`http-openapi-browser: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH or apt-get install chromium)`,
	);
}

describe.skipIf(!HAVE_CHROMIUM)("the /v3/docs page in Chromium", () => {
	let h: Harness;
	let server: ServerType;
	let origin: string;
	let browser: Browser;

	beforeAll(async () => {
		h = await createHarness();
		server = await new Promise<ServerType>((resolve) => {
			const created = serve({ fetch: h.app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(created));
		});
		origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: [
				"--headless",
				"--no-sandbox",
				"--disable-gpu",
				"--disable-quic",
				"--no-first-run",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
			],
		});
	});

	afterAll(async () => {
		await browser?.close();
		await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
		await h?.close();
	});

	test("renders every operation, loads only same-origin files, and breaks no CSP rule", async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		const requested: string[] = [];
		const problems: string[] = [];
		page.on("request", (request) => requested.push(request.url()));
		page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
		page.on("console", (message) => {
			if (message.type() === "error") problems.push(`console: ${message.text()}`);
		});
		// Recorded by the page itself: a violation report is the one sure sign the policy blocked something.
		await page.addInitScript({
			content: `window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
	window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});`,
		});

		const res = await page.goto(`${origin}/v3/docs`);
		expect(res?.status()).toBe(200);
		await page.locator(".opblock").first().waitFor();
		await expect(page.locator(".info .title").first().textContent()).resolves.toContain("Latchkey HTTP API");
		await expect(page.locator(".opblock").count()).resolves.toBe(OPERATIONS.length);
		// The server list the page offers is the document's: requests would go to this same origin.
		await expect(page.locator(".servers select option").allTextContents()).resolves.toEqual(
			expect.arrayContaining([expect.stringContaining("/v3"), expect.stringContaining("/v3.0")]),
		);

		mkdirSync(SCREENSHOTS, { recursive: true });
		await page.screenshot({ path: path.join(SCREENSHOTS, "openapi-docs.png"), fullPage: true });

		expect(await page.evaluate("window.cspViolations")).toEqual([]);
		expect(problems).toEqual([]);
		expect(requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"))).toEqual([]);
		expect(requested.filter((url) => url.startsWith(`${origin}/`)).map((url) => url.slice(origin.length))).toEqual([
			"/v3/docs",
			"/v3/docs/swagger-ui.css",
			"/v3/docs/swagger-ui-bundle.js",
			"/v3/docs/latchkey-docs.js",
			"/v3/openapi.json",
		]);

		// "Try it out" reaches this server under the policy, also for the route outside /v3 (its own server, "/").
		const health = page.locator("#operations-Service-getHealth");
		await health.locator(".opblock-summary").click();
		await health.getByRole("button", { name: "Try it out" }).click();
		await health.getByRole("button", { name: "Execute" }).click();
		await health.locator(".live-responses-table tbody .response-col_status").first().waitFor();
		await expect(
			health.locator(".live-responses-table tbody .response-col_status").first().textContent(),
		).resolves.toBe("200");
		expect(requested.at(-1)).toBe(`${origin}/healthz`);
		expect(await page.evaluate("window.cspViolations")).toEqual([]);

		// The policy is live: an inline script, which the page never uses, is refused and reported.
		await page.addScriptTag({ content: "window.inlineRan = true;" }).catch(() => undefined);
		expect(await page.evaluate("[window.inlineRan === true, window.cspViolations]")).toEqual([
			false,
			["script-src-elem inline"],
		]);
		await context.close();
	});
});
