import { afterEach, beforeEach, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

test("smoke", async () => {
	const res = await h.call("POST", "/v3.0/users/SUPERHERO1/auth_tokens", {
		key: h.seed.authKey,
		body: { platform: "WEB" },
	});
	const body = (await res.json()) as { data: { authToken: string } };
	console.log(res.status, body);
	const me = await h.call("PUT", "/v3.0/me", { token: body.data.authToken, body: { platform: "WEB", deviceId: "d" } });
	console.log(me.status, await me.json());
	const list = await h.call("GET", "/v3/users?perPage=2", { key: h.seed.restApiKey });
	console.log(list.status, JSON.stringify(await list.json()));
	expect(res.status).toBe(200);
});
