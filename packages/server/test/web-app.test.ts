import { expect, test } from "vitest";
import { createHarness } from "./harness.ts";
import { mintToken } from "./helpers.ts";

// Issue 11: the API is routed by Hono's RegExpRouter (one regular expression per method). A route it cannot take
// (the dashboard's `/apps/:appId/users/:uid/...`) would silently move every request to the slower TrieRouter.
test("the served app routes API requests with the RegExpRouter, and still serves the dashboard", async () => {
	const h = await createHarness();
	try {
		const token = await mintToken(h, "superhero1");
		expect((await h.call("GET", "/v3.0/me", { token: token.authToken })).status).toBe(200);
		const router = h.app.router as unknown as { name: string; activeRouter: { name: string } };
		expect(router.activeRouter.name).toBe("RegExpRouter");
		const login = await h.app.request("/dashboard/login");
		expect(login.status).toBe(200);
		expect(login.headers.get("content-type")).toBe("text/html; charset=UTF-8");
		const missing = await h.app.request(`/dashboard/apps/${h.seed.app.id}/users/nobody/edit`);
		expect(missing.status).toBe(303);
		expect(missing.headers.get("location")).toMatch(/^\/dashboard\/login/);
	} finally {
		await h.close();
	}
});
