import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono } from "hono";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { buildOpenAPIDocument } from "./document.ts";

/**
 * The API's own description, public like CometChat's REST docs: `GET /openapi.json` and a reference page at
 * `GET /docs` (Swagger UI from the `swagger-ui-dist` package, served from this process: no CDN). Mounted under
 * `/v3` and `/v3.0` before the API, so neither needs an app id or a credential.
 */

// Relative URLs: the page is `/v3/docs` (or `/v3.0/docs`), so `docs/…` and `openapi.json` stay under its version,
// also behind a proxy that serves the API below a path.
const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Latchkey HTTP API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/latchkey-docs.js"></script>
</body>
</html>
`;

// A file, not an inline script, so the page's CSP allows scripts from 'self' only. `validatorUrl: null` keeps the page
// from loading a badge from swagger.io.
const INITIALIZER_JS = `"use strict";
window.addEventListener("load", function () {
	window.ui = SwaggerUIBundle({
		url: new URL("openapi.json", document.baseURI).href,
		dom_id: "#swagger-ui",
		deepLinking: true,
		validatorUrl: null,
		presets: [SwaggerUIBundle.presets.apis],
		layout: "BaseLayout",
	});
});
`;

/**
 * Swagger UI sets inline styles (hence 'unsafe-inline' for styles only) and draws its icons as `data:` SVGs; every
 * script, style sheet and fetch is same-origin.
 */
const PAGE_CSP = [
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self' 'unsafe-inline'",
	"img-src 'self' data:",
	"connect-src 'self'",
	"base-uri 'none'",
	"form-action 'none'",
	"frame-ancestors 'none'",
].join("; ");

/** The package's files change only with the installed version: a day in any cache is safe. */
const ASSET_CACHE = "public, max-age=86400";
/** The page and the document follow the running server: a cache may keep them, but must ask the server before reuse. */
const REVALIDATE = "no-cache";

/**
 * The page's files, by the name under `docs/`: two of `swagger-ui-dist` (nothing else in its directory is reachable)
 * and the page's own start-up script.
 */
const ASSETS: Readonly<Record<string, { contentType: string; cacheControl: string; packageFile?: string }>> = {
	"swagger-ui.css": {
		contentType: "text/css; charset=utf-8",
		cacheControl: ASSET_CACHE,
		packageFile: "swagger-ui.css",
	},
	"swagger-ui-bundle.js": {
		contentType: "text/javascript; charset=utf-8",
		cacheControl: ASSET_CACHE,
		packageFile: "swagger-ui-bundle.js",
	},
	"latchkey-docs.js": { contentType: "text/javascript; charset=utf-8", cacheControl: REVALIDATE },
};

/** Where `swagger-ui-dist` is installed; throws at start-up when the dependency is missing. */
function resolveSwaggerUIDirectory(): string {
	return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

// Built on first request and kept: the document depends on nothing but the code, the files on the installed package.
let documentBytes: Uint8Array<ArrayBuffer> | undefined;
const packageFiles = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/** The OpenAPI document as served (UTF-8 JSON), built and encoded once, on first use. */
export function getOpenAPIDocumentBytes(): Uint8Array<ArrayBuffer> {
	documentBytes ??= new TextEncoder().encode(JSON.stringify(buildOpenAPIDocument()));
	return documentBytes;
}

function readPackageFile(directory: string, name: string): Promise<Uint8Array<ArrayBuffer>> {
	let file = packageFiles.get(name);
	if (!file) {
		// Copied once into a plain ArrayBuffer, the body type Hono takes.
		file = readFile(join(directory, name)).then((bytes) => new Uint8Array(bytes));
		// A failed read is not kept, so the next request tries again.
		file.catch(() => packageFiles.delete(name));
		packageFiles.set(name, file);
	}
	return file;
}

export function openAPIRoutes(): Hono<Env> {
	const directory = resolveSwaggerUIDirectory();
	const router = new Hono<Env>();

	router.get("/openapi.json", (c) =>
		c.body(getOpenAPIDocumentBytes(), 200, {
			"content-type": "application/json; charset=utf-8",
			"cache-control": REVALIDATE,
		}),
	);
	refuseOtherMethods(router, "/openapi.json", ["GET"]);

	router.get("/docs", (c) =>
		c.body(PAGE_HTML, 200, {
			"content-type": "text/html; charset=utf-8",
			"cache-control": REVALIDATE,
			"content-security-policy": PAGE_CSP,
			"referrer-policy": "no-referrer",
		}),
	);
	refuseOtherMethods(router, "/docs", ["GET"]);

	router.get("/docs/:asset", async (c) => {
		const name = c.req.param("asset");
		// An own-property lookup: "constructor" or "__proto__" is an unknown file, not a prototype's member.
		const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
		if (!asset) return c.notFound();
		const body = asset.packageFile ? await readPackageFile(directory, asset.packageFile) : INITIALIZER_JS;
		return c.body(body, 200, { "content-type": asset.contentType, "cache-control": asset.cacheControl });
	});
	refuseOtherMethods(router, "/docs/:asset", ["GET"]);
	return router;
}
