import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

// Issue 13, item 1: the SDK as an app outside this repository gets it. `npm pack` (which builds through
// `prepare`), the tarball installed into a scratch project under the system temp dir, then used there by plain
// node (ESM and CommonJS), tsc (node16 and bundler resolution) and esbuild (a browser bundle).
const run = promisify(execFile);
const SDK_DIR = fileURLToPath(new URL("..", import.meta.url));
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const GZIP_BUDGET_BYTES = 15 * 1024;

// The parent `npm test` exports npm_* settings (workspace, lifecycle event …); the children get none of them.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")));

const EXPORTS = [
	"AppSettingsBuilder",
	"CLOSE_CODE",
	"Client",
	"CometChat",
	"ConnectionListener",
	"ListenerRegistry",
	"LoginListener",
	"SDK_ERROR",
	"SDK_VERSION",
	"StorageMode",
	"USER_STATUS",
	"User",
	"UsersRequest",
	"UsersRequestBuilder",
	"createFileStorage",
	"createMemoryStorage",
	"createWebStorage",
	"getUser",
	"isCometChatException",
];

// The same program as ESM and as CommonJS: the module's names, a login refused locally, and the file store
// (which loads node:fs by dynamic import, the part most likely to differ between the two builds).
const PROGRAM = `
const settings = new sdk.CometChat.AppSettingsBuilder().setStorageMode(sdk.CometChat.StorageMode.MEMORY).build();
const init = await sdk.CometChat.init("app1", settings);
const loggedIn = await sdk.CometChat.getLoggedinUser();
const refusal = await sdk.CometChat.login("", "").catch((error) => error);
const storage = sdk.createFileStorage(process.argv[2]);
await storage.write("app1", "stored");
console.log(JSON.stringify({
	exports: Object.keys(sdk).sort(),
	version: sdk.SDK_VERSION,
	init,
	loggedIn,
	refusal: { exception: sdk.isCometChatException(refusal), code: refusal.code },
	stored: await storage.read("app1"),
}));`;

// Uses the types: the @ts-expect-error lines fail the check if the declarations are missing (everything `any`).
const TYPED_APP = `import { CometChat, type CometChatException, isCometChatException, User } from "@latchkey/chat-sdk";

export async function signIn(uid: string, authKey: string): Promise<string> {
	await CometChat.init("APP_ID", new CometChat.AppSettingsBuilder().overrideClientHost("chat.example.com/v3.0").build());
	const user: User = await CometChat.login(uid, authKey);
	return user.getUid();
}

export function codeOf(error: unknown): string | null {
	const exception: CometChatException | null = isCometChatException(error) ? error : null;
	return exception?.code ?? null;
}

// @ts-expect-error: login takes a uid string or an auth token
void CometChat.login(42);
// @ts-expect-error: there is no such method
CometChat.loginWithPassword("alice", "secret");
`;

function tsconfig(options: Record<string, unknown>, include: string[]): string {
	// The package's declarations are checked (skipLibCheck off); TypeScript's own lib files are not, for time.
	const compilerOptions = { strict: true, noEmit: true, skipDefaultLibCheck: true, lib: ["ES2022", "DOM"], types: [] };
	return JSON.stringify({ compilerOptions: { ...compilerOptions, ...options }, include });
}

let app: string;
let tarball: string;

beforeAll(async () => {
	app = await mkdtemp(path.join(tmpdir(), "latchkey-sdk-consumer-"));
	await run("npm", ["pack", "--pack-destination", app, "--loglevel", "error"], { cwd: SDK_DIR, env: ENV });
	const packed = (await readdir(app)).filter((name) => name.endsWith(".tgz"));
	expect(packed).toEqual(["latchkey-chat-sdk-0.1.0.tgz"]);
	tarball = path.join(app, "latchkey-chat-sdk-0.1.0.tgz");

	await writeFile(path.join(app, "package.json"), JSON.stringify({ name: "consumer", private: true }));
	// The SDK has no runtime dependencies and its one peer (ws) is optional: nothing to download.
	await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel", "error", tarball], {
		cwd: app,
		env: ENV,
	});
	await writeFile(path.join(app, "program.mjs"), `import * as sdk from "@latchkey/chat-sdk";\n${PROGRAM}`);
	await writeFile(
		path.join(app, "program.cjs"),
		`const sdk = require("@latchkey/chat-sdk");\n(async () => {${PROGRAM}\n})();`,
	);
	await writeFile(path.join(app, "app.mts"), TYPED_APP);
	await writeFile(path.join(app, "app.cts"), TYPED_APP);
	await writeFile(path.join(app, "app.ts"), TYPED_APP);
	await writeFile(
		path.join(app, "tsconfig.node16.json"),
		tsconfig({ module: "node16", moduleResolution: "node16" }, ["app.mts", "app.cts"]),
	);
	await writeFile(
		path.join(app, "tsconfig.bundler.json"),
		tsconfig({ module: "esnext", moduleResolution: "bundler" }, ["app.ts"]),
	);
	await writeFile(
		path.join(app, "browser-app.js"),
		`import { CometChat } from "@latchkey/chat-sdk";
await CometChat.init("APP_ID", new CometChat.AppSettingsBuilder().overrideClientHost("chat.example.com/v3.0").build());
document.title = (await CometChat.login("alice", "AUTH_KEY")).getName();
`,
	);
}, 120_000);

afterAll(async () => {
	if (app) await rm(app, { recursive: true, force: true });
});

describe("the packed SDK, installed into an app outside the repository", () => {
	test("the tarball holds the README, package.json and dist/ only, with every entry point exports names", async () => {
		const { stdout } = await run("tar", ["-tzf", tarball]);
		const files = stdout.trim().split("\n").sort();
		expect(files.filter((file) => !file.startsWith("package/dist/"))).toEqual([
			"package/README.md",
			"package/package.json",
		]);
		expect(files).toEqual(
			expect.arrayContaining([
				"package/dist/index.js",
				"package/dist/index.d.ts",
				"package/dist/cjs/index.js",
				"package/dist/cjs/index.d.ts",
				"package/dist/cjs/package.json",
				"package/dist/chat-sdk.global.js",
			]),
		);
		expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
	});

	test("node imports it as ESM and requires it as CommonJS, with the same API", async () => {
		const expected = {
			exports: EXPORTS,
			version: "0.1.0",
			init: true,
			loggedIn: null,
			refusal: { exception: true, code: "MISSING_PARAMETERS" },
			stored: "stored",
		};
		for (const program of ["program.mjs", "program.cjs"]) {
			const store = path.join(app, `sessions-${program}`);
			const { stdout } = await run(process.execPath, [program, store], { cwd: app, env: ENV });
			expect({ program, output: JSON.parse(stdout) }).toEqual({ program, output: expected });
		}
	});

	test("tsc type-checks an app using it, with moduleResolution node16 (ESM and CommonJS files) and bundler", async () => {
		const projects = ["tsconfig.node16.json", "tsconfig.bundler.json"];
		const results = await Promise.all(
			projects.map((project) =>
				run(process.execPath, [TSC, "-p", project], { cwd: app, env: ENV }).then(
					({ stdout }) => ({ project, output: stdout }),
					(error: { stdout?: string }) => ({ project, output: `failed: ${error.stdout ?? String(error)}` }),
				),
			),
		);
		expect(results).toEqual(projects.map((project) => ({ project, output: "" })));
	}, 60_000);

	test(`esbuild bundles it for the browser from the ESM build, under ${GZIP_BUDGET_BYTES} bytes gzipped`, async () => {
		const result = await build({
			absWorkingDir: app,
			entryPoints: ["browser-app.js"],
			bundle: true,
			minify: true,
			format: "esm",
			platform: "browser",
			target: "es2022",
			write: false,
			metafile: true,
			logLevel: "silent",
		});
		expect(Object.keys(result.metafile.inputs).sort()).toEqual([
			"browser-app.js",
			"node_modules/@latchkey/chat-sdk/dist/index.js",
		]);
		const gzipped = gzipSync(result.outputFiles[0]?.contents ?? new Uint8Array(), { level: 9 }).length;
		console.log(`[sdk-pack] browser app bundle: ${gzipped} bytes gzipped`);
		expect(gzipped).toBeGreaterThan(1024);
		expect(gzipped).toBeLessThan(GZIP_BUDGET_BYTES);
	});

	test("the <script> build sets the global CometChat, as the official CometChat.js does", async () => {
		const code = await readFile(path.join(app, "node_modules/@latchkey/chat-sdk/dist/chat-sdk.global.js"), "utf8");
		expect(gzipSync(code, { level: 9 }).length).toBeLessThan(GZIP_BUDGET_BYTES);
		const page: Record<string, unknown> = {};
		runInNewContext(code, page);
		const global = page.CometChat as {
			init: unknown;
			login: unknown;
			AppSettingsBuilder: new () => { build(): unknown };
		};
		expect({ keys: Object.keys(page), init: typeof global.init, login: typeof global.login }).toEqual({
			keys: ["CometChat"],
			init: "function",
			login: "function",
		});
		expect(new global.AppSettingsBuilder().build()).toBeTypeOf("object");
	});
});
