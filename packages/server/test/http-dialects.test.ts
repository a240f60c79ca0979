import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";
import { createUserOverHTTP, expectError, expectResponse, mintToken, readJSON, T0 } from "./helpers.ts";
import { DIALECTS } from "./stores.ts";

/** The main REST flows once more on every dialect, so a dialect difference shows at the HTTP level too. */
describe.each(DIALECTS)("HTTP flows on %s", (dialect) => {
	let h: Harness;
	beforeEach(async () => {
		h = await createHarness({ dialect });
	});
	afterEach(async () => {
		await h.close();
	});

	test("create, duplicate, search, update and delete a user", async () => {
		await createUserOverHTTP(h, { uid: "Zoe-1", name: "Zoë Ünicode", tags: ["Blue"], metadata: { a: { b: [1] } } });
		await expectError(
			await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "ZOE-1", name: "Z" } }),
			400,
			"ERR_UID_ALREADY_EXISTS",
			"The uid zoe-1 already exists. Please use another uid or try after permanently deleting the user.",
		);
		const found = await h.call("GET", "/v3/users?searchKey=ZOË&searchIn=name&tags=blue&withTags=true", {
			key: h.seed.restApiKey,
		});
		await expectResponse(found, 200, {
			data: [
				{
					uid: "zoe-1",
					name: "Zoë Ünicode",
					metadata: { a: { b: [1] } },
					status: "offline",
					role: "default",
					createdAt: T0,
					tags: ["Blue"],
				},
			],
			meta: { pagination: { total: 1, count: 1, per_page: 100, current_page: 1, total_pages: 1 } },
		});
		h.clock.advance(1000);
		const updated = await h.call("PUT", "/v3/users/zoe-1", { key: h.seed.restApiKey, body: { unset: ["metadata"] } });
		await expectResponse(updated, 200, {
			data: {
				uid: "zoe-1",
				name: "Zoë Ünicode",
				status: "offline",
				role: "default",
				createdAt: T0,
				updatedAt: T0 + 1,
				tags: ["Blue"],
			},
		});
		expect(
			(await h.call("DELETE", "/v3/users/zoe-1", { key: h.seed.restApiKey, body: { permanent: true } })).status,
		).toBe(200);
		expect((await h.call("GET", "/v3/users/zoe-1", { key: h.seed.restApiKey })).status).toBe(404);
	});

	test("login, /me, the 100-token cap, flush and logout", async () => {
		const first = await mintToken(h, "superhero1");
		for (let i = 0; i < 100; i++) {
			h.clock.advance(1);
			await mintToken(h, "superhero1");
		}
		expect(h.eventsOf("token.revoked")).toEqual([
			{ type: "token.revoked", appId: h.seed.app.id, tokenIds: [first.id], reason: "revoked" },
		]);
		expect((await h.call("GET", "/v3.0/me", { token: first.authToken })).status).toBe(401);
		const fresh = await mintToken(h, "superhero2", { platform: "WEB" });
		const me = (await readJSON(
			await h.call("PUT", "/v3.0/me", { token: fresh.authToken, body: { platform: "WEB" } }),
		)) as {
			data: { uid: string; authToken: string };
		};
		expect(me.data).toMatchObject({ uid: "superhero2", authToken: fresh.authToken });
		const list = (await readJSON(
			await h.call("GET", "/v3/users/superhero1/auth_tokens?perPage=1", { key: h.seed.restApiKey }),
		)) as {
			meta: { pagination: { total: number } };
		};
		expect(list.meta.pagination.total).toBe(100);
		expect((await h.call("DELETE", "/v3/users/superhero1/auth_tokens", { key: h.seed.restApiKey })).status).toBe(200);
		expect(h.eventsOf("token.revoked")[1]).toMatchObject({ tokenIds: { length: 100 } });
		expect((await h.call("DELETE", "/v3.0/me", { token: fresh.authToken })).status).toBe(200);
		expect((await h.call("GET", "/v3.0/me", { token: fresh.authToken })).status).toBe(401);
	});

	test("NUL characters are refused in bodies and find nothing in paths and queries", async () => {
		await expectError(
			await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: { uid: "n1", name: "a\u0000b" } }),
			400,
			"ERR_BAD_REQUEST",
			"Failed to validate the data sent with the request.",
			{ name: ["The name may not contain NUL characters."] },
		);
		await expectError(
			await h.call("PUT", "/v3/users/superhero1", {
				key: h.seed.restApiKey,
				body: { statusMessage: "\u0000", tags: ["ok", "\u0000"] },
			}),
			400,
			"ERR_BAD_REQUEST",
			"Failed to validate the data sent with the request.",
			{
				statusMessage: ["The statusMessage may not contain NUL characters."],
				"tags.1": ["The tags.1 may not contain NUL characters."],
			},
		);
		expect(
			(await h.call("POST", "/v3/users/superhero1/auth_tokens", { key: h.seed.authKey, body: { platform: "\u0000" } }))
				.status,
		).toBe(400);
		expect((await h.call("GET", "/v3/users/superhero1/auth_tokens/lkat_%00", { key: h.seed.restApiKey })).status).toBe(
			404,
		);
		expect((await h.call("GET", "/v3/apikeys/%00", { key: h.seed.restApiKey })).status).toBe(404);
		const search = await h.call("GET", "/v3/users?searchKey=%00&tags=%00&role=%00", { key: h.seed.restApiKey });
		expect(search.status).toBe(200);
		expect(((await readJSON(search)) as { data: unknown[] }).data).toEqual([]);
	});

	test("the API-key cap and self-action rule", async () => {
		for (let i = 0; i < 23; i++) {
			expect((await h.call("POST", "/v3/apikeys", { key: h.seed.restApiKey, body: { name: `k${i}` } })).status).toBe(
				200,
			);
		}
		const over = await h.call("POST", "/v3/apikeys", { key: h.seed.restApiKey, body: { name: "over" } });
		expect(over.status).toBe(403);
		const self = await h.call("DELETE", `/v3/apikeys/${h.seed.restApiKey}`, { key: h.seed.restApiKey });
		expect(self.status).toBe(403);
	});
});
