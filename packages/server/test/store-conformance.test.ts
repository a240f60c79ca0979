import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import type { UserQuery } from "../src/store/store.ts";
import { apiKey, app, operator, operatorSession, T, token, tokenId, user } from "./records.ts";
import { DIALECTS, openTestStore } from "./stores.ts";

/** Far beyond 2^31 ms, so a bigint column that came back as a string or a truncated int would show. */

const ALL: Omit<UserQuery, "limit" | "offset"> = { searchIn: ["uid", "name"], deactivated: "include" };

describe.each(DIALECTS)("Store on %s", (dialect) => {
	let store: KyselyStore;
	beforeEach(async () => {
		store = await openTestStore(dialect);
		await store.insertApp(app("app1"), [], []);
	});
	afterEach(async () => {
		await store.close();
	});

	describe("migrate", () => {
		test("is safe to run again on a migrated database", async () => {
			await store.migrate();
			await store.migrate();
			expect(await store.getApp("app1")).toEqual(app("app1"));
		});

		test("runs once when several start at the same time", async () => {
			await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
			expect(await store.listApps()).toHaveLength(1);
		});
	});

	describe("apps", () => {
		test("insertApp stores the app with its keys and users in one go", async () => {
			const keys = [
				apiKey("app2", "lkak_k1", { createdBy: "app_system", scope: "fullAccess" }),
				apiKey("app2", "lkak_k2"),
			];
			const users = [user("app2", "u1", { isSample: true }), user("app2", "u2")];
			await store.insertApp(app("app2"), keys, users);
			expect(await store.getApp("app2")).toEqual(app("app2"));
			expect(await store.getApiKey("lkak_k1")).toEqual(keys[0]);
			expect(await store.getUser("app2", "u1")).toEqual(users[0]);
		});

		test("insertApp is atomic: a failing user rolls back the app and its keys", async () => {
			const dup = user("app3", "same");
			await expect(store.insertApp(app("app3"), [apiKey("app3", "lkak_k3")], [dup, dup])).rejects.toThrow();
			expect(await store.getApp("app3")).toBeNull();
			expect(await store.getApiKey("lkak_k3")).toBeNull();
		});

		test("getApp answers null for an unknown id", async () => {
			expect(await store.getApp("nope")).toBeNull();
		});

		test("listApps answers every app, oldest first", async () => {
			await store.insertApp(app("app0", T + 5), [], []);
			await store.insertApp(app("app9", T - 5), [], []);
			expect((await store.listApps()).map((a) => a.id)).toEqual(["app9", "app1", "app0"]);
		});

		test("renameApp changes the name only; null for an unknown app", async () => {
			expect(await store.renameApp("app1", "Production")).toEqual({ ...app("app1"), name: "Production" });
			expect(await store.getApp("app1")).toEqual({ ...app("app1"), name: "Production" });
			expect(await store.renameApp("nope", "X")).toBeNull();
			expect(await store.renameApp("no\u0000pe", "X")).toBeNull();
		});

		test("deleteApp removes the app with its users, tokens and keys, and nothing of another app", async () => {
			await store.insertApp(app("app2"), [apiKey("app2", "lkak_k1"), apiKey("app2", "lkak_k2")], [user("app2", "u1")]);
			await store.insertUser(user("app2", "u2"));
			await store.insertApp(app("app3"), [apiKey("app3", "lkak_k3")], [user("app3", "u1")]);
			for (const [appId, uid, n] of [
				["app2", "u1", 1],
				["app2", "u1", 2],
				["app2", "u2", 3],
				["app3", "u1", 4],
			] as const) {
				expect(await store.insertAuthToken(token(appId, uid, tokenId(n)), { maxPerUser: 100 })).toEqual([]);
			}
			expect(await store.deleteApp("app2")).toEqual({ users: 2, authTokens: 3, apiKeys: 2 });
			expect(await store.getApp("app2")).toBeNull();
			expect(await store.getApiKey("lkak_k1")).toBeNull();
			expect(await store.getUser("app2", "u1")).toBeNull();
			expect(await store.getSession(tokenId(1))).toBeNull();
			expect(await store.findExistingAuthTokenIds([tokenId(1), tokenId(2), tokenId(3), tokenId(4)])).toEqual([
				tokenId(4),
			]);
			expect((await store.listApps()).map((a) => a.id)).toEqual(["app1", "app3"]);
			expect(await store.getApiKey("lkak_k3")).toEqual(apiKey("app3", "lkak_k3"));
			expect(await store.deleteApp("app2")).toBeNull();
			expect(await store.deleteApp("no\u0000pe")).toBeNull();
		});

		test("deleteApp of an app with nothing in it counts zeros", async () => {
			expect(await store.deleteApp("app1")).toEqual({ users: 0, authTokens: 0, apiKeys: 0 });
			expect(await store.listApps()).toEqual([]);
		});
	});

	describe("api keys", () => {
		test("insertApiKey stores a key and getApiKey finds it by id", async () => {
			const key = apiKey("app1", "lkak_a", { scope: "fullAccess", createdBy: "app_system" });
			expect(await store.insertApiKey(key, { maxPerApp: 25 })).toBe(true);
			expect(await store.getApiKey("lkak_a")).toEqual(key);
			expect(await store.getApiKey("lkak_missing")).toBeNull();
		});

		test("insertApiKey refuses at the cap, counting only that app's keys", async () => {
			await store.insertApp(app("app2"), [apiKey("app2", "lkak_o1"), apiKey("app2", "lkak_o2")], []);
			expect(await store.insertApiKey(apiKey("app1", "lkak_1"), { maxPerApp: 2 })).toBe(true);
			expect(await store.insertApiKey(apiKey("app1", "lkak_2"), { maxPerApp: 2 })).toBe(true);
			expect(await store.insertApiKey(apiKey("app1", "lkak_3"), { maxPerApp: 2 })).toBe(false);
			expect(await store.getApiKey("lkak_3")).toBeNull();
		});

		test("listApiKeys filters by scope and name substring, pages, and counts the total", async () => {
			await store.insertApiKey(apiKey("app1", "lkak_1", { name: "Mobile 100%", createdAt: T + 1 }), { maxPerApp: 25 });
			await store.insertApiKey(apiKey("app1", "lkak_2", { name: "Web", scope: "fullAccess", createdAt: T + 2 }), {
				maxPerApp: 25,
			});
			await store.insertApiKey(apiKey("app1", "lkak_3", { name: "mobile_b", createdAt: T + 3 }), { maxPerApp: 25 });
			await store.insertApp(app("app2"), [apiKey("app2", "lkak_x", { name: "Mobile" })], []);
			const ids = async (query: Parameters<KyselyStore["listApiKeys"]>[1]): Promise<unknown> => {
				const page = await store.listApiKeys("app1", query);
				return { ids: page.items.map((k) => k.id), total: page.total };
			};
			expect(await ids({ limit: 10, offset: 0 })).toEqual({ ids: ["lkak_1", "lkak_2", "lkak_3"], total: 3 });
			expect(await ids({ limit: 1, offset: 1 })).toEqual({ ids: ["lkak_2"], total: 3 });
			expect(await ids({ limit: 10, offset: 0, scope: "authOnly" })).toEqual({ ids: ["lkak_1", "lkak_3"], total: 2 });
			expect(await ids({ limit: 10, offset: 0, searchKey: "MOBILE" })).toEqual({ ids: ["lkak_1", "lkak_3"], total: 2 });
			expect(await ids({ limit: 10, offset: 0, searchKey: "0%" })).toEqual({ ids: ["lkak_1"], total: 1 });
			expect(await ids({ limit: 10, offset: 0, searchKey: "e_b" })).toEqual({ ids: ["lkak_3"], total: 1 });
			expect(await ids({ limit: 10, offset: 0, searchKey: "web", scope: "authOnly" })).toEqual({ ids: [], total: 0 });
		});

		test("updateApiKey changes name and scope within its app only", async () => {
			await store.insertApiKey(apiKey("app1", "lkak_1"), { maxPerApp: 25 });
			expect(await store.updateApiKey("app1", "lkak_1", { name: "Renamed", scope: "fullAccess" })).toEqual(
				apiKey("app1", "lkak_1", { name: "Renamed", scope: "fullAccess" }),
			);
			expect(await store.updateApiKey("app1", "lkak_1", {})).toEqual(
				apiKey("app1", "lkak_1", { name: "Renamed", scope: "fullAccess" }),
			);
			expect(await store.updateApiKey("other", "lkak_1", { name: "Stolen" })).toBeNull();
			expect(await store.updateApiKey("app1", "lkak_missing", { name: "X" })).toBeNull();
			expect((await store.getApiKey("lkak_1"))?.name).toBe("Renamed");
		});

		test("deleteApiKey deletes within its app only", async () => {
			await store.insertApiKey(apiKey("app1", "lkak_1"), { maxPerApp: 25 });
			expect(await store.deleteApiKey("other", "lkak_1")).toBe(false);
			expect(await store.deleteApiKey("app1", "lkak_1")).toBe(true);
			expect(await store.deleteApiKey("app1", "lkak_1")).toBe(false);
			expect(await store.getApiKey("lkak_1")).toBeNull();
		});

		test("30 concurrent insertApiKey never pass a cap of 25", async () => {
			const results = await Promise.all(
				Array.from({ length: 30 }, (_, i) => store.insertApiKey(apiKey("app1", `lkak_c${i}`), { maxPerApp: 25 })),
			);
			expect(results.filter(Boolean)).toHaveLength(25);
			expect((await store.listApiKeys("app1", { limit: 100, offset: 0 })).total).toBe(25);
		});
	});

	describe("users", () => {
		test("insertUser round-trips every field, JSON and unicode included", async () => {
			const full = user("app1", "u1", {
				name: "Zoë 🚀",
				avatar: "https://a.test/a.png",
				link: "https://l.test",
				role: "manager",
				statusMessage: "busy",
				metadata: { "@private": { email: "z@example.test" }, nested: [1, { a: null }] },
				tags: ["a", "b c"],
				isSample: true,
				updatedAt: T + 1,
				deactivatedAt: T + 2,
				lastActiveAt: T + 3,
			});
			expect(await store.insertUser(full)).toBe(true);
			expect(await store.getUser("app1", "u1")).toEqual(full);
		});

		test("insertUser answers false for a taken uid, also a deactivated one, and changes nothing", async () => {
			await store.insertUser(user("app1", "u1", { deactivatedAt: T }));
			expect(await store.insertUser(user("app1", "u1", { name: "Other" }))).toBe(false);
			expect((await store.getUser("app1", "u1"))?.name).toBe("Name u1");
		});

		test("the same uid may exist in two apps", async () => {
			await store.insertApp(app("app2"), [], []);
			expect(await store.insertUser(user("app1", "u1"))).toBe(true);
			expect(await store.insertUser(user("app2", "u1"))).toBe(true);
		});

		test("getUser answers null for an unknown uid or another app", async () => {
			await store.insertUser(user("app1", "u1"));
			expect(await store.getUser("app1", "u2")).toBeNull();
			expect(await store.getUser("app2", "u1")).toBeNull();
		});

		test("20 concurrent insertUser of the same uid: exactly one wins", async () => {
			const results = await Promise.all(
				Array.from({ length: 20 }, (_, i) => store.insertUser(user("app1", "race", { name: `N${i}` }))),
			);
			expect(results.filter(Boolean)).toHaveLength(1);
			const winner = results.indexOf(true);
			expect((await store.getUser("app1", "race"))?.name).toBe(`N${winner}`);
		});

		describe("listUsers", () => {
			beforeEach(async () => {
				await store.insertUser(user("app1", "alice", { name: "Alice Liddell", role: "admin", tags: ["red", "blue"] }));
				await store.insertUser(user("app1", "bob", { name: "Alpha Bob", tags: ["red"] }));
				await store.insertUser(user("app1", "carol", { name: "Carol", deactivatedAt: T }));
				await store.insertUser(user("app1", "al_x", { name: "Underscore", role: "manager" }));
				await store.insertApp(app("app2"), [], [user("app2", "alien")]);
			});

			async function uids(query: Partial<UserQuery>): Promise<{ uids: string[]; total: number }> {
				const page = await store.listUsers("app1", { limit: 100, offset: 0, ...ALL, ...query });
				return { uids: page.items.map((u) => u.uid), total: page.total };
			}

			test("orders by uid, pages, and counts the total of the whole filter", async () => {
				expect(await uids({})).toEqual({ uids: ["al_x", "alice", "bob", "carol"], total: 4 });
				expect(await uids({ limit: 2, offset: 1 })).toEqual({ uids: ["alice", "bob"], total: 4 });
				expect(await uids({ limit: 2, offset: 10 })).toEqual({ uids: [], total: 4 });
			});

			test("excludes, includes or keeps only deactivated users", async () => {
				expect(await uids({ deactivated: "exclude" })).toEqual({ uids: ["al_x", "alice", "bob"], total: 3 });
				expect(await uids({ deactivated: "only" })).toEqual({ uids: ["carol"], total: 1 });
			});

			test("searchKey is a case-insensitive prefix on uid and/or name, with LIKE wildcards escaped", async () => {
				expect(await uids({ searchKey: "AL" })).toEqual({ uids: ["al_x", "alice", "bob"], total: 3 });
				expect(await uids({ searchKey: "al", searchIn: ["uid"] })).toEqual({ uids: ["al_x", "alice"], total: 2 });
				expect(await uids({ searchKey: "al", searchIn: ["name"] })).toEqual({ uids: ["alice", "bob"], total: 2 });
				expect(await uids({ searchKey: "al_" })).toEqual({ uids: ["al_x"], total: 1 });
				expect(await uids({ searchKey: "%" })).toEqual({ uids: [], total: 0 });
				expect(await uids({ searchKey: "lice" })).toEqual({ uids: [], total: 0 });
			});

			test("filters by roles and by every given tag", async () => {
				expect(await uids({ roles: ["admin", "manager"] })).toEqual({ uids: ["al_x", "alice"], total: 2 });
				expect(await uids({ tags: ["red"] })).toEqual({ uids: ["alice", "bob"], total: 2 });
				expect(await uids({ tags: ["red", "blue"] })).toEqual({ uids: ["alice"], total: 1 });
				expect(await uids({ tags: ["re"] })).toEqual({ uids: [], total: 0 });
			});

			test("tag matching is case-insensitive on every dialect", async () => {
				expect(await uids({ tags: ["RED", "Blue"] })).toEqual({ uids: ["alice"], total: 1 });
			});

			test("order newest: creation time descending, equal times by uid, paged without gaps (issue 17)", async () => {
				await store.insertUser(user("app1", "zed", { createdAt: T + 2 }));
				await store.insertUser(user("app1", "dan", { createdAt: T + 1 }));
				await store.insertUser(user("app1", "amy", { createdAt: T + 2 }));
				const newest = ["amy", "zed", "dan", "al_x", "alice", "bob", "carol"];
				expect(await uids({ order: "newest" })).toEqual({ uids: newest, total: 7 });
				expect(await uids({ order: "newest", limit: 3, offset: 2 })).toEqual({ uids: newest.slice(2, 5), total: 7 });
				expect(await uids({ order: "newest", limit: 3, offset: 5 })).toEqual({ uids: ["bob", "carol"], total: 7 });
				expect(await uids({ order: "newest", searchKey: "a", deactivated: "exclude" })).toEqual({
					uids: ["amy", "al_x", "alice", "bob"],
					total: 4,
				});
				expect(await uids({ order: "uid", limit: 3 })).toEqual({ uids: ["al_x", "alice", "amy"], total: 7 });
			});
		});

		test("updateUser applies the patch, keeps search in step with the name, and unsets fields", async () => {
			await store.insertUser(user("app1", "u1", { avatar: "a", link: "l", metadata: { a: 1 }, tags: ["x"] }));
			const updated = await store.updateUser(
				"app1",
				"u1",
				{ name: "Zed", role: "admin", statusMessage: "s", metadata: { b: 2 }, tags: ["y"], updatedAt: T + 9 },
				["avatar", "link"],
			);
			expect(updated).toEqual(
				user("app1", "u1", {
					name: "Zed",
					role: "admin",
					statusMessage: "s",
					metadata: { b: 2 },
					tags: ["y"],
					updatedAt: T + 9,
				}),
			);
			expect(
				(await store.listUsers("app1", { limit: 10, offset: 0, ...ALL, searchKey: "zE", searchIn: ["name"] })).total,
			).toBe(1);
			expect(await store.updateUser("app1", "u1", {}, ["metadata"])).toEqual({ ...updated, metadata: null });
			expect(await store.updateUser("app1", "u1", {}, [])).toEqual({ ...updated, metadata: null });
		});

		test("updateUser answers null for an unknown user", async () => {
			expect(await store.updateUser("app1", "nobody", { name: "X" }, [])).toBeNull();
		});

		test("setUserDeactivatedAt deactivates and reactivates; false for an unknown user", async () => {
			await store.insertUser(user("app1", "u1"));
			expect(await store.setUserDeactivatedAt("app1", "u1", T + 1)).toBe(true);
			expect((await store.getUser("app1", "u1"))?.deactivatedAt).toBe(T + 1);
			expect(await store.setUserDeactivatedAt("app1", "u1", null)).toBe(true);
			expect((await store.getUser("app1", "u1"))?.deactivatedAt).toBeNull();
			expect(await store.setUserDeactivatedAt("app1", "nobody", T)).toBe(false);
		});

		test("deleteUser removes the user and answers their token ids; null when unknown", async () => {
			await store.insertUser(user("app1", "u1"));
			await store.insertUser(user("app1", "u2"));
			await store.insertAuthToken(token("app1", "u1", tokenId(1)), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u1", tokenId(2)), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u2", tokenId(3)), { maxPerUser: 100 });
			expect((await store.deleteUser("app1", "u1"))?.sort()).toEqual([tokenId(1), tokenId(2)]);
			expect(await store.getUser("app1", "u1")).toBeNull();
			expect(await store.getSession(tokenId(1))).toBeNull();
			expect(await store.getSession(tokenId(3))).not.toBeNull();
			expect(await store.deleteUser("app1", "u1")).toBeNull();
			expect(await store.insertUser(user("app1", "u1"))).toBe(true);
		});
	});

	describe("auth tokens", () => {
		beforeEach(async () => {
			await store.insertUser(user("app1", "u1"));
			await store.insertUser(user("app1", "u2"));
		});

		test("insertAuthToken stores a token and getSession answers it with its user", async () => {
			const t = token("app1", "u1", tokenId(1), {
				platform: "WEB",
				userAgent: "UA",
				deviceId: "dev",
				appInfo: { version: "v4", nested: { x: [1] } },
			});
			expect(await store.insertAuthToken(t, { maxPerUser: 100 })).toEqual([]);
			expect(await store.getSession(tokenId(1))).toEqual({ token: t, user: user("app1", "u1") });
			expect(await store.getSession(tokenId(99))).toBeNull();
		});

		test("insertAuthToken answers null and stores nothing for an unknown user", async () => {
			expect(await store.insertAuthToken(token("app1", "ghost", tokenId(1)), { maxPerUser: 100 })).toBeNull();
			expect(await store.insertAuthToken(token("app2", "u1", tokenId(2)), { maxPerUser: 100 })).toBeNull();
			expect(await store.findExistingAuthTokenIds([tokenId(1), tokenId(2)])).toEqual([]);
		});

		test("insertAuthToken answers null and stores nothing for a deactivated user", async () => {
			await store.setUserDeactivatedAt("app1", "u2", T);
			expect(await store.insertAuthToken(token("app1", "u2", tokenId(1)), { maxPerUser: 100 })).toBeNull();
			expect(await store.getSession(tokenId(1))).toBeNull();
		});

		test("insertAuthToken evicts the oldest beyond the cap, never the new one, per user", async () => {
			await store.insertAuthToken(token("app1", "u2", tokenId(100), { createdAt: T - 1000 }), { maxPerUser: 3 });
			for (let i = 1; i <= 3; i++) {
				expect(
					await store.insertAuthToken(token("app1", "u1", tokenId(i), { createdAt: T + i }), { maxPerUser: 3 }),
				).toEqual([]);
			}
			expect(
				await store.insertAuthToken(token("app1", "u1", tokenId(4), { createdAt: T + 4 }), { maxPerUser: 3 }),
			).toEqual([tokenId(1)]);
			// A token stamped older than the rest (clock skew between nodes) still survives its own insert.
			expect(await store.insertAuthToken(token("app1", "u1", tokenId(5), { createdAt: T }), { maxPerUser: 3 })).toEqual(
				[tokenId(2)],
			);
			expect((await store.listAuthTokens("app1", "u1", { limit: 10, offset: 0 })).items.map((t) => t.id)).toEqual([
				tokenId(4),
				tokenId(3),
				tokenId(5),
			]);
			expect(await store.getSession(tokenId(100))).not.toBeNull();
		});

		test("listAuthTokens answers newest first, paged, with the total, for one user", async () => {
			for (let i = 1; i <= 3; i++)
				await store.insertAuthToken(token("app1", "u1", tokenId(i), { createdAt: T + i }), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u2", tokenId(9)), { maxPerUser: 100 });
			const page = await store.listAuthTokens("app1", "u1", { limit: 2, offset: 1 });
			expect({ ids: page.items.map((t) => t.id), total: page.total }).toEqual({
				ids: [tokenId(2), tokenId(1)],
				total: 3,
			});
			expect(await store.listAuthTokens("app1", "nobody", { limit: 2, offset: 0 })).toEqual({ items: [], total: 0 });
		});

		test("updateAuthToken applies the patch; null for an unknown token", async () => {
			await store.insertAuthToken(token("app1", "u1", tokenId(1), { platform: "WEB" }), { maxPerUser: 100 });
			expect(await store.updateAuthToken(tokenId(1), { userAgent: "UA", deviceId: "d", appInfo: { a: 1 } })).toEqual(
				token("app1", "u1", tokenId(1), { platform: "WEB", userAgent: "UA", deviceId: "d", appInfo: { a: 1 } }),
			);
			expect(await store.updateAuthToken(tokenId(1), { platform: null, appInfo: null })).toEqual(
				token("app1", "u1", tokenId(1), { userAgent: "UA", deviceId: "d" }),
			);
			expect(await store.updateAuthToken(tokenId(1), {})).toEqual(
				token("app1", "u1", tokenId(1), { userAgent: "UA", deviceId: "d" }),
			);
			expect(await store.updateAuthToken(tokenId(99), { platform: "X" })).toBeNull();
		});

		test("touchAuthToken records lastUsedAt", async () => {
			await store.insertAuthToken(token("app1", "u1", tokenId(1)), { maxPerUser: 100 });
			await store.touchAuthToken(tokenId(1), T + 60_000);
			expect((await store.getSession(tokenId(1)))?.token.lastUsedAt).toBe(T + 60_000);
			await store.touchAuthToken(tokenId(99), T);
		});

		test("touchAuthToken with an ip records it beside lastUsedAt; without one keeps the last (issue 15)", async () => {
			await store.insertAuthToken(token("app1", "u1", tokenId(1)), { maxPerUser: 100 });
			expect((await store.getSession(tokenId(1)))?.token.lastUsedIp).toBeUndefined();
			await store.touchAuthToken(tokenId(1), T + 1, { ip: "2001:db8::1" });
			expect((await store.getSession(tokenId(1)))?.token).toEqual(
				token("app1", "u1", tokenId(1), { lastUsedAt: T + 1, lastUsedIp: "2001:db8::1" }),
			);
			await store.touchAuthToken(tokenId(1), T + 2);
			const listed = await store.listAuthTokens("app1", "u1", { limit: 10, offset: 0 });
			expect(listed.items).toEqual([token("app1", "u1", tokenId(1), { lastUsedAt: T + 2, lastUsedIp: "2001:db8::1" })]);
		});

		test("deleteAuthTokens deletes what the selection picks, within one app, and answers the ids (issue 15)", async () => {
			await store.insertApp(app("app2"), [], [user("app2", "u1")]);
			await store.insertAuthToken(token("app1", "u1", tokenId(1), { createdAt: T }), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u1", tokenId(2), { createdAt: T + 1000 }), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u1", tokenId(3), { createdAt: T + 2000 }), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u2", tokenId(4), { createdAt: T }), { maxPerUser: 100 });
			await store.insertAuthToken(token("app2", "u1", tokenId(5), { createdAt: T }), { maxPerUser: 100 });
			const remaining = () => store.findExistingAuthTokenIds([1, 2, 3, 4, 5].map(tokenId)).then((ids) => ids.sort());

			// Strictly before: the token created at the boundary stays.
			expect(await store.deleteAuthTokens("app1", { uid: "u1", createdBefore: T + 1000 })).toEqual([tokenId(1)]);
			expect(await store.deleteAuthTokens("app1", { uid: "u1", exceptId: tokenId(3) })).toEqual([tokenId(2)]);
			expect(await remaining()).toEqual([tokenId(3), tokenId(4), tokenId(5)]);
			// App-wide: every user of app1, never app2.
			expect((await store.deleteAuthTokens("app1", { createdBefore: T + 5000 })).sort()).toEqual([
				tokenId(3),
				tokenId(4),
			]);
			expect(await remaining()).toEqual([tokenId(5)]);
			expect(await store.deleteAuthTokens("app1", {})).toEqual([]);
			expect(await store.deleteAuthTokens("app1", { uid: "u1", exceptId: "x\u0000" })).toEqual([]);
		});

		test("deleteAuthToken deletes once", async () => {
			await store.insertAuthToken(token("app1", "u1", tokenId(1)), { maxPerUser: 100 });
			expect(await store.deleteAuthToken(tokenId(1))).toBe(true);
			expect(await store.deleteAuthToken(tokenId(1))).toBe(false);
			expect(await store.getSession(tokenId(1))).toBeNull();
		});

		test("deleteUserAuthTokens deletes every token of one user and answers their ids", async () => {
			await store.insertAuthToken(token("app1", "u1", tokenId(1)), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u1", tokenId(2)), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u2", tokenId(3)), { maxPerUser: 100 });
			expect((await store.deleteUserAuthTokens("app1", "u1")).sort()).toEqual([tokenId(1), tokenId(2)]);
			expect(await store.deleteUserAuthTokens("app1", "u1")).toEqual([]);
			expect(await store.findExistingAuthTokenIds([tokenId(1), tokenId(2), tokenId(3)])).toEqual([tokenId(3)]);
		});

		test("findExistingAuthTokenIds answers the ids that still work: token exists, user active", async () => {
			await store.insertUser(user("app1", "u3"));
			await store.insertAuthToken(token("app1", "u1", tokenId(1)), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u2", tokenId(2)), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u3", tokenId(3)), { maxPerUser: 100 });
			await store.setUserDeactivatedAt("app1", "u3", T);
			expect((await store.findExistingAuthTokenIds([tokenId(2), tokenId(7), tokenId(1), tokenId(3)])).sort()).toEqual([
				tokenId(1),
				tokenId(2),
			]);
			expect(await store.findExistingAuthTokenIds([])).toEqual([]);
		});

		test("countAppAuthTokens counts the tokens of one app", async () => {
			await store.insertApp(app("app2"), [], [user("app2", "u1")]);
			await store.insertAuthToken(token("app1", "u1", tokenId(1)), { maxPerUser: 100 });
			await store.insertAuthToken(token("app1", "u2", tokenId(2)), { maxPerUser: 100 });
			await store.insertAuthToken(token("app2", "u1", tokenId(3)), { maxPerUser: 100 });
			expect(await store.countAppAuthTokens("app1")).toBe(2);
			expect(await store.countAppAuthTokens("app2")).toBe(1);
			expect(await store.countAppAuthTokens("none")).toBe(0);
		});

		test("a deactivated user's session still loads (the domain refuses it)", async () => {
			await store.insertAuthToken(token("app1", "u1", tokenId(1)), { maxPerUser: 100 });
			await store.setUserDeactivatedAt("app1", "u1", T + 5);
			expect((await store.getSession(tokenId(1)))?.user.deactivatedAt).toBe(T + 5);
		});

		test("150 concurrent insertAuthToken for one user leave exactly 100, evicting the rest", async () => {
			const results = await Promise.all(
				Array.from({ length: 150 }, (_, i) =>
					store.insertAuthToken(token("app1", "u1", tokenId(i + 1), { createdAt: T + i }), { maxPerUser: 100 }),
				),
			);
			const evicted = results.flatMap((r) => r ?? []);
			expect(evicted).toHaveLength(50);
			expect(new Set(evicted).size).toBe(50);
			const page = await store.listAuthTokens("app1", "u1", { limit: 200, offset: 0 });
			expect(page.total).toBe(100);
			expect(page.items.filter((t) => evicted.includes(t.id))).toEqual([]);
		});
	});
	describe("client user fields (issue 14)", () => {
		test("setAppClientUserFields stores the list, null restores the default (absent); null for an unknown app", async () => {
			expect(await store.setAppClientUserFields("app1", ["avatar", "metadata"])).toEqual({
				...app("app1"),
				clientUserFields: ["avatar", "metadata"],
			});
			expect(await store.getApp("app1")).toEqual({ ...app("app1"), clientUserFields: ["avatar", "metadata"] });
			expect(await store.setAppClientUserFields("app1", [])).toEqual({ ...app("app1"), clientUserFields: [] });
			expect(await store.setAppClientUserFields("app1", null)).toEqual(app("app1"));
			expect(await store.setAppClientUserFields("nope", null)).toBeNull();
		});
	});

	describe("presence (issue 14)", () => {
		const ALIVE = T - 15_000;
		beforeEach(async () => {
			for (const uid of ["ann", "bob", "cat"]) await store.insertUser(user("app1", uid));
		});

		test("a user is online while present on a node whose heartbeat is recent enough", async () => {
			expect(await store.beatPresenceNode("n1", T)).toBe(false);
			expect(await store.beatPresenceNode("n1", T)).toBe(true);
			await store.insertPresence("app1", "ann", "n1", T);
			await store.insertPresence("app1", "ann", "n1", T);
			expect(await store.listOnlineUids("app1", ["ann", "bob"], ALIVE)).toEqual(["ann"]);
			expect(await store.listOnlineUids("app1", ["ann"], T + 1)).toEqual([]);
			expect(await store.listOnlineUids("app2", ["ann"], ALIVE)).toEqual([]);
			expect(await store.listOnlineUids("app1", [], ALIVE)).toEqual([]);
		});

		test("rows of a node that never beat do not count", async () => {
			await store.insertPresence("app1", "ann", "ghost", T);
			expect(await store.listOnlineUids("app1", ["ann"], ALIVE)).toEqual([]);
		});

		test("listUsers filters by presence, online or offline", async () => {
			await store.beatPresenceNode("n1", T);
			await store.beatPresenceNode("n2", T - 20_000);
			await store.insertPresence("app1", "ann", "n1", T);
			await store.insertPresence("app1", "ann", "n2", T);
			await store.insertPresence("app1", "bob", "n2", T);
			const page = { limit: 10, offset: 0, ...ALL };
			const online = await store.listUsers("app1", { ...page, presence: { status: "online", aliveSince: ALIVE } });
			expect({ uids: online.items.map((u) => u.uid), total: online.total }).toEqual({ uids: ["ann"], total: 1 });
			const offline = await store.listUsers("app1", { ...page, presence: { status: "offline", aliveSince: ALIVE } });
			expect(offline.items.map((u) => u.uid)).toEqual(["bob", "cat"]);
			expect((await store.listUsers("app1", { ...page, uids: ["cat", "ann"] })).items.map((u) => u.uid)).toEqual([
				"ann",
				"cat",
			]);
			expect(await store.listUsers("app1", { ...page, uids: [] })).toEqual({ items: [], total: 0 });
		});

		test("deletePresence removes the row and sets lastActiveAt, never backwards", async () => {
			await store.beatPresenceNode("n1", T);
			await store.insertPresence("app1", "ann", "n1", T);
			await store.deletePresence("app1", "ann", "n1", T + 5_000);
			expect(await store.listOnlineUids("app1", ["ann"], ALIVE)).toEqual([]);
			expect((await store.getUser("app1", "ann"))?.lastActiveAt).toBe(T + 5_000);
			await store.deletePresence("app1", "ann", "n1", T + 1_000);
			expect((await store.getUser("app1", "ann"))?.lastActiveAt).toBe(T + 5_000);
		});

		test("prunePresenceNodes removes stale nodes (lastActiveAt = their last beat), the node named, and orphans when asked", async () => {
			await store.beatPresenceNode("dead", T - 20_000);
			await store.beatPresenceNode("live", T);
			await store.beatPresenceNode("leaving", T);
			await store.insertPresence("app1", "ann", "dead", T - 30_000);
			await store.insertPresence("app1", "bob", "live", T);
			await store.insertPresence("app1", "cat", "leaving", T);
			await store.insertPresence("app1", "cat", "never-beat", T);
			expect(await store.prunePresenceNodes(T - 15_000, T + 1, { nodeId: "leaving" })).toBe(2);
			expect(await store.prunePresenceNodes(T - 15_000, T + 1, { sweepOrphans: true })).toBe(1);
			expect((await store.getUser("app1", "ann"))?.lastActiveAt).toBe(T - 20_000);
			expect((await store.getUser("app1", "cat"))?.lastActiveAt).toBe(T + 1);
			expect((await store.getUser("app1", "bob"))?.lastActiveAt).toBeNull();
			expect(await store.listOnlineUids("app1", ["ann", "bob", "cat"], ALIVE)).toEqual(["bob"]);
			// The pruned node comes back: its first beat says so, so it can put its rows back.
			expect(await store.beatPresenceNode("dead", T + 2)).toBe(false);
			expect(await store.prunePresenceNodes(T - 15_000, T + 3)).toBe(0);
		});
	});

	describe("values PostgreSQL cannot hold", () => {
		// PostgreSQL text cannot contain U+0000 and errors on it; SQLite accepts it. Lookups must simply find nothing.
		const NUL = "x\u0000y";

		test("lookups by a value containing NUL answer null or nothing", async () => {
			await store.insertUser(user("app1", "u1", { tags: ["t"] }));
			expect(await store.getApp(NUL)).toBeNull();
			expect(await store.getApiKey(NUL)).toBeNull();
			expect(await store.getUser("app1", NUL)).toBeNull();
			expect(await store.getUser(NUL, "u1")).toBeNull();
			expect(await store.getSession(NUL)).toBeNull();
			expect(await store.findExistingAuthTokenIds([NUL])).toEqual([]);
			expect(await store.listAuthTokens("app1", NUL, { limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
		});

		test("list filters containing NUL match nothing", async () => {
			await store.insertUser(user("app1", "u1", { tags: ["t"] }));
			await store.insertApiKey(apiKey("app1", "lkak_1"), { maxPerApp: 25 });
			const users = { limit: 10, offset: 0, ...ALL };
			expect(await store.listUsers("app1", { ...users, searchKey: NUL })).toEqual({ items: [], total: 0 });
			expect(await store.listUsers("app1", { ...users, tags: [NUL] })).toEqual({ items: [], total: 0 });
			expect(await store.listUsers("app1", { ...users, roles: [NUL] })).toEqual({ items: [], total: 0 });
			expect(await store.listApiKeys("app1", { limit: 10, offset: 0, searchKey: NUL })).toEqual({
				items: [],
				total: 0,
			});
		});
	});

	describe("dashboard operators", () => {
		test("insertOperator stores an operator once per email, case-insensitively via emailLower", async () => {
			expect(await store.countOperators()).toBe(0);
			expect(await store.insertOperator(operator("op1", "Ada@Example.test"))).toBe(true);
			expect(await store.insertOperator(operator("op2", "ada@example.test"))).toBe(false);
			expect(await store.countOperators()).toBe(1);
			expect(await store.getOperatorByEmail("ada@example.test")).toEqual(operator("op1", "Ada@Example.test"));
			expect(await store.getOperatorByEmail("nobody@example.test")).toBeNull();
		});

		test("setup tokens: insert prunes expired ones, claim consumes once and creates the first operator", async () => {
			await store.insertSetupToken({ id: "st1", secretHash: "h1", createdAt: T, expiresAt: T + 1000 });
			expect(await store.getSetupToken("st1")).toEqual({
				id: "st1",
				secretHash: "h1",
				createdAt: T,
				expiresAt: T + 1000,
			});
			await store.insertSetupToken({ id: "st2", secretHash: "h2", createdAt: T + 1000, expiresAt: T + 5000 });
			expect(await store.getSetupToken("st1")).toBeNull();
			expect(await store.claimSetupToken("st2", "wrong", T + 1001, operator("op1", "a@x.test"))).toBe(false);
			expect(await store.claimSetupToken("st2", "h2", T + 5000, operator("op1", "a@x.test"))).toBe(false);
			expect(await store.claimSetupToken("st2", "h2", T + 1001, operator("op1", "a@x.test"))).toBe(true);
			expect(await store.claimSetupToken("st2", "h2", T + 1002, operator("op2", "b@x.test"))).toBe(false);
			expect(await store.countOperators()).toBe(1);
			expect(await store.getSetupToken("st2")).toBeNull();
		});

		test("a setup token cannot create an operator once one exists", async () => {
			await store.insertOperator(operator("op0", "first@x.test"));
			await store.insertSetupToken({ id: "st1", secretHash: "h1", createdAt: T, expiresAt: T + 1000 });
			expect(await store.claimSetupToken("st1", "h1", T + 1, operator("op1", "a@x.test"))).toBe(false);
			expect(await store.getOperatorByEmail("a@x.test")).toBeNull();
		});

		test("10 concurrent claims of one setup link: exactly one wins", async () => {
			await store.insertSetupToken({ id: "st1", secretHash: "h1", createdAt: T, expiresAt: T + 1000 });
			const results = await Promise.all(
				Array.from({ length: 10 }, (_, i) =>
					store.claimSetupToken("st1", "h1", T + 1, operator(`op${i}`, `o${i}@x.test`)),
				),
			);
			expect(results.filter(Boolean)).toHaveLength(1);
			expect(await store.countOperators()).toBe(1);
		});

		test("operator sessions: insert prunes old ones, get joins the operator, touch and delete", async () => {
			await store.insertOperator(operator("op1", "a@x.test"));
			await store.insertOperatorSession(operatorSession("s1", "op1", T), { pruneCreatedBefore: 0 });
			expect(await store.getOperatorSession("s1")).toEqual({
				session: operatorSession("s1", "op1", T),
				operator: operator("op1", "a@x.test"),
			});
			await store.touchOperatorSession("s1", T + 50);
			expect((await store.getOperatorSession("s1"))?.session.lastSeenAt).toBe(T + 50);
			await store.insertOperatorSession(operatorSession("s2", "op1", T + 100), { pruneCreatedBefore: T + 1 });
			expect(await store.getOperatorSession("s1")).toBeNull();
			await store.deleteOperatorSession("s2");
			expect(await store.getOperatorSession("s2")).toBeNull();
			expect(await store.getOperatorSession("missing")).toBeNull();
		});

		test("sign-in counters: counted per key, restarted after the window, taken back, deleted", async () => {
			const window = { windowMs: 100 };
			expect(await store.incrementSignInCounter("k1", T, window)).toEqual({ count: 1, windowStartedAt: T });
			expect(await store.incrementSignInCounter("k1", T + 50, window)).toEqual({ count: 2, windowStartedAt: T });
			expect(await store.incrementSignInCounter("k2", T + 50, window)).toEqual({ count: 1, windowStartedAt: T + 50 });
			await store.decrementSignInCounter("k1");
			expect(await store.incrementSignInCounter("k1", T + 60, window)).toEqual({ count: 2, windowStartedAt: T });
			expect(await store.incrementSignInCounter("k1", T + 100, window)).toEqual({ count: 1, windowStartedAt: T + 100 });
			await store.deleteSignInCounter("k2");
			expect(await store.incrementSignInCounter("k2", T + 101, window)).toEqual({ count: 1, windowStartedAt: T + 101 });
		});
	});
});
