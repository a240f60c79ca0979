import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { createReadCache, type ReadCache } from "../src/cache/read-cache.ts";
import { type CreatedApp, createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { createAuthToken, deleteAuthToken } from "../src/domain/auth-tokens.ts";
import { updateUser } from "../src/domain/users.ts";
import { createLocalEventBus, type LocalEventBus, noEvents } from "../src/events/bus.ts";
import type { BusEvent } from "../src/events/change-event.ts";
import { type ForeignWriteWatcher, watchForeignWrites } from "../src/events/foreign-writes.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { ManualClock } from "./harness.ts";

// Issue 11: on SQLite the CLI writes to the file the server has open. The server must see those writes as if
// they had been published on its bus.

let dir: string;
let server: KyselyStore;
let cli: KyselyStore;
let bus: LocalEventBus;
let cache: ReadCache;
let watcher: ForeignWriteWatcher;
let seed: CreatedApp;
let seen: BusEvent[];
const clock = new ManualClock();

beforeEach(async () => {
	dir = mkdtempSync(path.join(tmpdir(), "latchkey-foreign-"));
	const filename = path.join(dir, "latchkey.db");
	server = new KyselyStore({ kind: "sqlite", filename });
	await server.migrate();
	cli = new KyselyStore({ kind: "sqlite", filename });
	bus = createLocalEventBus();
	seen = [];
	bus.subscribe((event) => void seen.push(event));
	cache = createReadCache(server, bus);
	// A long interval: the test looks by hand with check().
	watcher = watchForeignWrites({ readChangeCounter: () => server.readChangeCounter(), bus, intervalMs: 60_000 });
	seed = await createLatchkeyApp({ store: cache.store, clock, events: bus }, { name: "Foreign" });
	await watcher.check();
	seen.length = 0;
});

afterEach(async () => {
	watcher.stop();
	await cache.close();
	await cli.close();
	await server.close();
	rmSync(dir, { recursive: true, force: true });
});

test("the server's own writes are not foreign; another connection's commit is, once", async () => {
	const serverDeps = { store: cache.store, clock, events: bus };
	await createAuthToken(serverDeps, seed.app.id, "superhero1");
	expect(await watcher.check()).toBe(false);
	await updateUser({ store: cli, clock, events: noEvents }, seed.app.id, "superhero2", { name: "Cap" });
	expect(await watcher.check()).toBe(true);
	expect(seen.filter((event) => event.type === "resync")).toHaveLength(1);
	expect(await watcher.check()).toBe(false);
});

test("a token revoked by the CLI is no longer answered from the server's cache", async () => {
	const serverDeps = { store: cache.store, clock, events: bus };
	const { token } = await createAuthToken(serverDeps, seed.app.id, "superhero1");
	expect(await cache.store.getSession(token.id)).not.toBeNull();
	expect(cache.stats().sessions).toBe(1);
	await deleteAuthToken({ store: cli, clock, events: noEvents }, seed.app.id, "superhero1", token.id);
	expect(await watcher.check()).toBe(true);
	expect(cache.stats().sessions).toBe(0);
	expect(await cache.store.getSession(token.id)).toBeNull();
});

test("a rename by the CLI is seen by the server's next read", async () => {
	const serverDeps = { store: cache.store, clock, events: bus };
	const { token } = await createAuthToken(serverDeps, seed.app.id, "superhero1");
	expect((await cache.store.getSession(token.id))?.user.name).toBe("Iron Man");
	await updateUser({ store: cli, clock, events: noEvents }, seed.app.id, "superhero1", { name: "Tony" });
	await watcher.check();
	expect((await cache.store.getSession(token.id))?.user.name).toBe("Tony");
});
