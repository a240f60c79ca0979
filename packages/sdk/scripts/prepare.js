// `prepare` builds dist/ for `npm pack`, git installs and path installs. npm also runs it on every install of
// this monorepo, including a production one (`npm ci --omit=dev`) where the build tools are absent and nothing
// needs the SDK's dist/: there it says so and succeeds instead of failing the install. Plain JavaScript, because
// tsx may be one of the missing tools.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const missing = ["esbuild", "tsx/package.json", "typescript"].filter((name) => {
	try {
		require.resolve(name);
		return false;
	} catch {
		return true;
	}
});
if (missing.length > 0) {
	console.warn(`@latchkey/chat-sdk: dist/ not built, build tools not installed (${missing.join(", ")})`);
} else {
	execFileSync(process.execPath, [require.resolve("tsx/cli"), "scripts/build.ts"], { stdio: "inherit" });
}
