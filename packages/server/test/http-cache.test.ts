import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createReadCache } from "../src/cache/read-cache.ts";
import { createLocalEventBus, type EventBus } from "../src/events/bus.ts";
import { createApp } from "../src/http/app.ts";
import type { Session } from "../src/store/store.ts";
import { createHarness, type Harness } from "./harness.ts";
import { errorBody, mintToken, readJSON } from "./helpers.ts";

// Issue 11: the read path answers from memory, and every rule that keeps that exact has a test here. The file runs
// on SQLite and again on PostgreSQL (the server-postgres project).

const SESSION_NOT_FOUND =
	"The auth token does not exist. Please make sure you are logged in and have a valid auth token or try login again.";

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

async function me(token: string): Promise<{ status: number; body: unknown }> {
	const res = await h.call("GET", "/v3.0/me", { token });
	return { status: res.status, body: await readJSON(res) };
}

describe("session cache", () => {
	test("a second authenticated call is answered without a store lookup", async () => {
		const token = await mintToken(h, "superhero1");
		const lookups = vi.spyOn(h.store, "getSession");
		expect((await me(token.authToken)).status).toBe(200);
		expect((await me(token.authToken)).status).toBe(200);
		expect((await me(token.authToken)).status).toBe(200);
		expect(lookups).toHaveBeenCalledTimes(1);
		expect(h.cache.stats().sessions).toBe(1);
	});

	test("a cached session still checks the secret: the token id alone is refused", async () => {
		const token = await mintToken(h, "superhero1");
		expect((await me(token.authToken)).status).toBe(200);
		const forged = `${token.id}.${"A".repeat(43)}`;
		expect(await me(forged)).toEqual({
			status: 401,
			body: errorBody("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", SESSION_NOT_FOUND),
		});
		expect(await me(token.id)).toEqual({
			status: 401,
			body: errorBody("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", SESSION_NOT_FOUND),
		});
	});

	test("after a REST revocation returns, the very next request is refused", async () => {
		const token = await mintToken(h, "superhero1");
		expect((await me(token.authToken)).status).toBe(200);
		const res = await h.call("DELETE", `/v3/users/superhero1/auth_tokens/${token.id}`, { key: h.seed.restApiKey });
		expect(res.status).toBe(200);
		expect(await me(token.authToken)).toEqual({
			status: 401,
			body: errorBody("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", SESSION_NOT_FOUND),
		});
	});

	test("after logout, a flush and an eviction, the cached sessions are refused at once", async () => {
		const [a, b, c] = [
			await mintToken(h, "superhero1"),
			await mintToken(h, "superhero2"),
			await mintToken(h, "superhero2"),
		];
		for (const token of [a, b, c]) expect((await me(token.authToken)).status).toBe(200);
		expect((await h.call("DELETE", "/v3.0/me", { token: a.authToken })).status).toBe(200);
		expect((await me(a.authToken)).status).toBe(401);
		expect((await h.call("DELETE", "/v3/users/superhero2/auth_tokens", { key: h.seed.restApiKey })).status).toBe(200);
		expect((await me(b.authToken)).status).toBe(401);
		expect((await me(c.authToken)).status).toBe(401);
		const oldest = await mintToken(h, "superhero3");
		expect((await me(oldest.authToken)).status).toBe(200);
		for (let i = 0; i < 100; i++) {
			h.clock.advance(1);
			await mintToken(h, "superhero3");
		}
		expect((await me(oldest.authToken)).status).toBe(401);
	});

	test("a rename is seen by the next request, and a deactivation refuses it", async () => {
		const token = await mintToken(h, "superhero1");
		expect(((await me(token.authToken)).body as { data: { name: string } }).data.name).toBe("Iron Man");
		const renamed = await h.call("PUT", "/v3/users/superhero1", { key: h.seed.restApiKey, body: { name: "Tony" } });
		expect(renamed.status).toBe(200);
		expect(((await me(token.authToken)).body as { data: { name: string } }).data.name).toBe("Tony");
		expect((await h.call("DELETE", "/v3/users/superhero1", { key: h.seed.restApiKey })).status).toBe(200);
		expect((await me(token.authToken)).status).toBe(401);
		const back = await h.call("PUT", "/v3/users", { key: h.seed.restApiKey, body: { uidsToActivate: ["superhero1"] } });
		expect(back.status).toBe(200);
		expect((await me(token.authToken)).status).toBe(200);
	});

	test("a profile update through PUT /me is seen by the next GET /me", async () => {
		const token = await mintToken(h, "superhero1");
		expect((await me(token.authToken)).status).toBe(200);
		const res = await h.call("PUT", "/v3.0/me", { token: token.authToken, body: { name: "Tony Stark" } });
		expect(res.status).toBe(200);
		expect(((await me(token.authToken)).body as { data: { name: string } }).data.name).toBe("Tony Stark");
	});

	test("a flood of unknown token ids neither fills the cache nor pushes a live session out", async () => {
		await h.close();
		h = await createHarness({ cache: { sessionCacheSize: 4 } });
		const live = await mintToken(h, "superhero1");
		expect((await me(live.authToken)).status).toBe(200);
		for (let i = 0; i < 50; i++) {
			const unknown = `lkat_${i.toString(16).padStart(20, "0")}.${"B".repeat(43)}`;
			expect((await me(unknown)).status).toBe(401);
		}
		expect(h.cache.stats().sessions).toBe(1);
		const lookups = vi.spyOn(h.store, "getSession");
		expect((await me(live.authToken)).status).toBe(200);
		expect(lookups).not.toHaveBeenCalled();
	});
});

describe("the authenticated request path", () => {
	test("GET /me looks its session up once (without a cache, one store lookup per request)", async () => {
		const token = await mintToken(h, "superhero1");
		const uncached = createApp({ ...h.deps, store: h.store });
		const lookups = vi.spyOn(h.store, "getSession");
		for (const [method, path] of [
			["GET", "/v3.0/me"],
			["GET", "/v3.0/settings"],
			["POST", "/v3.0/user_sessions"],
		] as const) {
			const res = await uncached.request(path, {
				method,
				headers: { appid: h.seed.app.id, authtoken: token.authToken },
			});
			expect(res.status).toBe(200);
		}
		expect(lookups).toHaveBeenCalledTimes(3);
	});

	test("the API key routes look the key up once per request", async () => {
		const uncached = createApp({ ...h.deps, store: h.store });
		const lookups = vi.spyOn(h.store, "getApiKey");
		const headers = { appid: h.seed.app.id, apikey: h.seed.restApiKey };
		expect((await uncached.request("/v3/apikeys", { headers })).status).toBe(200);
		expect(lookups).toHaveBeenCalledTimes(1);
		const keyId = h.seed.restApiKey.split(".")[0] as string;
		expect((await uncached.request(`/v3/apikeys/${keyId}`, { headers })).status).toBe(200);
		expect(lookups).toHaveBeenCalledTimes(3);
	});
});

describe("API key and app caches", () => {
	test("a key's scope change is seen by its next request", async () => {
		const created = await h.call("POST", "/v3/apikeys", {
			key: h.seed.restApiKey,
			body: { name: "backend", scope: "fullAccess" },
		});
		const key = ((await readJSON(created)) as { data: { apiKey: string; id: string } }).data;
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
		const lookups = vi.spyOn(h.store, "getApiKey");
		expect((await h.call("GET", "/v3/users", { key: key.apiKey })).status).toBe(200);
		expect(lookups).not.toHaveBeenCalled();
		const changed = await h.call("PUT", `/v3/apikeys/${key.id}`, {
			key: h.seed.restApiKey,
			body: { scope: "authOnly" },
		});
		expect(changed.status).toBe(200);
		const refused = await h.call("GET", "/v3/users", { key: key.apiKey });
		expect(refused.status).toBe(403);
		expect(((await readJSON(refused)) as { error: { code: string } }).error.code).toBe("AUTH_ERR_NO_ACCESS");
		expect((await h.call("DELETE", `/v3/apikeys/${key.id}`, { key: h.seed.restApiKey })).status).toBe(200);
		const gone = await h.call("GET", "/v3/users", { key: key.apiKey });
		expect(gone.status).toBe(401);
		expect(((await readJSON(gone)) as { error: { code: string } }).error.code).toBe("AUTH_ERR_APIKEY_NOT_FOUND");
	});

	test("the app is read from the store once", async () => {
		const lookups = vi.spyOn(h.store, "getApp");
		expect((await h.call("GET", "/v3/users", { key: h.seed.restApiKey })).status).toBe(200);
		expect((await h.call("GET", "/v3/users", { key: h.seed.restApiKey })).status).toBe(200);
		expect(lookups.mock.calls.length).toBeLessThanOrEqual(1);
		expect(h.cache.stats().apps).toBe(1);
	});
});

describe("createReadCache() when its bus is not live", () => {
	/** A local bus whose liveness the test sets, like a PostgreSQL bus whose listener dropped. */
	function createSwitchableBus(): EventBus & { live: boolean; deliverResync(): Promise<void> } {
		const local = createLocalEventBus();
		const bus = {
			...local,
			live: true,
			isLive: () => bus.live,
			deliverResync: () => local.deliver({ type: "resync" }),
		};
		return bus;
	}

	test("answers nothing from memory while down, and drops what it held when the channel returns", async () => {
		const token = await mintToken(h, "superhero1");
		const bus = createSwitchableBus();
		const cache = createReadCache(h.store, bus);
		const lookups = vi.spyOn(h.store, "getSession");
		expect(await cache.store.getSession(token.id)).not.toBeNull();
		expect(cache.stats().sessions).toBe(1);
		bus.live = false;
		// Deleted behind the cache's back, as by another node whose event this node may have missed.
		await h.store.deleteAuthToken(token.id);
		expect(await cache.store.getSession(token.id)).toBeNull();
		expect(lookups).toHaveBeenCalledTimes(2);
		const other = await mintToken(h, "superhero2");
		expect(await cache.store.getSession(other.id)).not.toBeNull();
		expect(cache.stats().sessions).toBe(1);
		await bus.deliverResync();
		bus.live = true;
		expect(cache.stats().sessions).toBe(0);
		expect(await cache.store.getSession(token.id)).toBeNull();
		await cache.close();
	});

	test("a lookup overtaken by an event is answered but not kept", async () => {
		const token = await mintToken(h, "superhero1");
		let release: () => void = () => {};
		const gate = new Promise<void>((resolve) => {
			release = resolve;
		});
		const getSession = h.store.getSession.bind(h.store);
		vi.spyOn(h.store, "getSession").mockImplementationOnce(async (id: string): Promise<Session | null> => {
			const session = await getSession(id);
			await gate;
			return session;
		});
		const pending = h.cache.store.getSession(token.id);
		await h.bus.publish({ type: "token.revoked", appId: h.seed.app.id, tokenIds: [token.id], reason: "revoked" });
		release();
		expect(await pending).not.toBeNull();
		expect(h.cache.stats().sessions).toBe(0);
	});
});

describe("lastUsedAt write-behind", () => {
	test("a use is buffered, shown to readers at once, and written by flush()", async () => {
		const token = await mintToken(h, "superhero1");
		h.clock.advance(5000);
		expect((await me(token.authToken)).status).toBe(200);
		expect(h.cache.stats().pendingTouches).toBe(1);
		expect((await h.store.getSession(token.id))?.token.lastUsedAt).toBeNull();
		const listed = await h.call("GET", `/v3/users/superhero1/auth_tokens/${token.id}`, { key: h.seed.restApiKey });
		expect(((await readJSON(listed)) as { data: { lastUsedAt: number } }).data.lastUsedAt).toBe(h.clock.now() / 1000);
		await h.cache.flush();
		expect(h.cache.stats().pendingTouches).toBe(0);
		expect((await h.store.getSession(token.id))?.token.lastUsedAt).toBe(h.clock.now());
	});

	test("close() writes what is still buffered", async () => {
		const token = await mintToken(h, "superhero1");
		expect((await me(token.authToken)).status).toBe(200);
		await h.cache.close();
		expect((await h.store.getSession(token.id))?.token.lastUsedAt).toBe(h.clock.now());
	});
});
