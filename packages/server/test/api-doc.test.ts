import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";

const DOC_PATH = fileURLToPath(new URL("../../../docs/api.md", import.meta.url));
const METHODS = new Set(["GET", "POST", "PUT", "DELETE"]);

/** Every `METHOD /path` named in a `###` heading, with `{param}` written as Hono's `:param`. */
function parseDocumentedRoutes(markdown: string): string[] {
	const routes: string[] = [];
	for (const line of markdown.split("\n")) {
		if (!line.startsWith("### ")) continue;
		for (const match of line.matchAll(/`(GET|POST|PUT|DELETE) (\/[^`]*)`/g)) {
			routes.push(`${match[1]} ${(match[2] ?? "").replace(/\{(\w+)\}/g, ":$1")}`);
		}
	}
	return routes;
}

let h: Harness;
beforeAll(async () => {
	h = await createHarness();
});
afterAll(async () => {
	await h.close();
});

function servedRoutes(prefix: string): string[] {
	const routes = h.app.routes
		.filter((route) => METHODS.has(route.method) && route.path.startsWith(`${prefix}/`))
		.map((route) => `${route.method} ${route.path.slice(prefix.length)}`);
	return [...new Set(routes)].sort();
}

test("docs/api.md documents exactly the routes served under /v3", () => {
	const documented = parseDocumentedRoutes(readFileSync(DOC_PATH, "utf8")).sort();
	expect(documented).toEqual(servedRoutes("/v3"));
});

test("/v3.0 serves the same routes as /v3", () => {
	expect(servedRoutes("/v3.0")).toEqual(servedRoutes("/v3"));
});

test("the heading parser reads several routes per heading and maps path parameters (it can fail)", () => {
	expect(parseDocumentedRoutes("### `GET /a/{id}`, `PUT /a/{id}` — x\n`POST /not-a-heading`\n")).toEqual([
		"GET /a/:id",
		"PUT /a/:id",
	]);
});
