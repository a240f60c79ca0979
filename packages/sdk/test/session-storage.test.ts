import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { Client } from "../src/client.ts";
import { CometChat } from "../src/comet-chat.ts";
import { createFileStorage } from "../src/file-storage.ts";
import { ListenerRegistry, LoginListener } from "../src/listeners.ts";
import { createMemoryStorage, type SessionStorage, type WebStorageLike } from "../src/session-storage.ts";
import {
	createTestServer,
	createTestSettings,
	getDeviceId,
	type LoginEventRecord,
	recordLoginEvents,
	rejectionOf,
	type TestServer,
} from "./helpers.ts";

class FakeWebStorage implements WebStorageLike {
	readonly values = new Map<string, string>();
	getItem(key: string): string | null {
		return this.values.get(key) ?? null;
	}
	setItem(key: string, value: string): void {
		this.values.set(key, value);
	}
	removeItem(key: string): void {
		this.values.delete(key);
	}
}

let server: TestServer;
let dir: string;
let events: LoginEventRecord[];

beforeEach(async () => {
	server = await createTestServer();
	dir = await mkdtemp(path.join(tmpdir(), "latchkey-sdk-"));
	events = [];
	CometChat.addLoginListener("test", new CometChat.LoginListener(recordLoginEvents(events)));
});

afterEach(async () => {
	CometChat.removeLoginListener("test");
	vi.unstubAllGlobals();
	await server.close();
	await rm(dir, { recursive: true, force: true });
});

/** Logs in once, then initialises again from the same storage (a page reload or process restart). */
async function loginThenRestore(settings: () => ReturnType<typeof createTestSettings>): Promise<string> {
	await CometChat.init(server.h.seed.app.id, settings().build());
	const user = await CometChat.login("superhero1", server.h.seed.authKey);
	const before = server.requests.length;
	await CometChat.init(server.h.seed.app.id, settings().build());
	const restored = await CometChat.getLoggedinUser();
	expect(server.requests.length).toBe(before);
	expect(restored?.getUid()).toBe("superhero1");
	expect(restored?.getName()).toBe("Iron Man");
	expect(restored?.getAuthToken()).toBe(user.getAuthToken());
	return user.getAuthToken() ?? "";
}

describe("restore without a request", () => {
	test("from a memory store", async () => {
		const storage = createMemoryStorage();
		await loginThenRestore(() => createTestSettings(server).setStorage(storage));
	});

	test("from localStorage (StorageMode.LOCAL), under latchkey-chat-sdk:<appId>", async () => {
		const local = new FakeWebStorage();
		vi.stubGlobal("localStorage", local);
		await loginThenRestore(() => createTestSettings(server).setStorageMode(CometChat.StorageMode.LOCAL));
		expect([...local.values.keys()]).toEqual([`latchkey-chat-sdk:${server.h.seed.app.id}`]);
	});

	test("from sessionStorage (StorageMode.SESSION)", async () => {
		const session = new FakeWebStorage();
		vi.stubGlobal("sessionStorage", session);
		await loginThenRestore(() => createTestSettings(server).setStorageMode(CometChat.StorageMode.SESSION));
		expect([...session.values.keys()]).toEqual([`latchkey-chat-sdk:${server.h.seed.app.id}`]);
	});

	test("from the file store, the default in Node", async () => {
		await loginThenRestore(() => createTestSettings(server).setStorageDirectory(dir));
		expect(await readdir(dir)).toEqual([`${server.h.seed.app.id}.json`]);
	});

	test("nothing stored means nobody is logged in", async () => {
		await CometChat.init(server.h.seed.app.id, createTestSettings(server).setStorage(createMemoryStorage()).build());
		expect(await CometChat.getLoggedinUser()).toBeNull();
	});

	test("a corrupt stored value counts as logged out and is replaced by the next login", async () => {
		const storage = createMemoryStorage();
		await storage.write(server.h.seed.app.id, "{not json");
		await CometChat.init(server.h.seed.app.id, createTestSettings(server).setStorage(storage).build());
		expect(await CometChat.getLoggedinUser()).toBeNull();
		await CometChat.login("superhero1", server.h.seed.authKey);
		expect(JSON.parse((await storage.read(server.h.seed.app.id)) ?? "")).toMatchObject({ version: 1 });
	});
});

describe("file store", () => {
	test("survives a restart: a new Client reading the same directory has the session", async () => {
		const settings = createTestSettings(server).setStorageMode(CometChat.StorageMode.FILE).setStorageDirectory(dir);
		const first = new Client(server.h.seed.app.id, settings.build());
		const user = await first.login("superhero2", server.h.seed.authKey);
		first.close();
		const second = new Client(server.h.seed.app.id, settings.build());
		expect((await second.getLoggedinUser())?.getAuthToken()).toBe(user.getAuthToken());
		await second.logout();
		const third = new Client(server.h.seed.app.id, settings.build());
		expect(await third.getLoggedinUser()).toBeNull();
	});

	test("writes mode 0600 in a 0700 directory, atomically, leaving no temp file", async () => {
		const nested = path.join(dir, "nested");
		const storage = createFileStorage(nested);
		await storage.write("app1", "one");
		await storage.write("app1", "two");
		expect(await readdir(nested)).toEqual(["app1.json"]);
		expect((await stat(path.join(nested, "app1.json"))).mode & 0o777).toBe(0o600);
		expect((await stat(nested)).mode & 0o777).toBe(0o700);
		expect(await storage.read("app1")).toBe("two");
	});

	test("reads null for a missing file, deletes idempotently, and keeps app ids out of paths", async () => {
		const storage = createFileStorage(dir);
		expect(await storage.read("app1")).toBeNull();
		await storage.delete("app1");
		await storage.write("../evil", "x");
		expect(await readdir(dir)).toEqual(["___evil.json"]);
	});

	test("the device id is kept across logout while the token is gone from the file", async () => {
		const settings = createTestSettings(server).setStorageDirectory(dir);
		await CometChat.init(server.h.seed.app.id, settings.build());
		await CometChat.login("superhero1", server.h.seed.authKey);
		const deviceId = getDeviceId(server.requests[0]);
		await CometChat.logout();
		const file = await readFile(path.join(dir, `${server.h.seed.app.id}.json`), "utf8");
		expect(JSON.parse(file)).toEqual({ version: 1, deviceId, session: null });
		await CometChat.init(server.h.seed.app.id, settings.build());
		await CometChat.login("superhero1", server.h.seed.authKey);
		expect(getDeviceId(server.requests.at(-2))).toBe(deviceId);
	});

	test("without a directory, sessions go to ~/.latchkey-chat-sdk", async () => {
		vi.stubEnv("HOME", dir);
		try {
			await createFileStorage().write("app1", "x");
		} finally {
			vi.unstubAllEnvs();
		}
		expect(await readdir(path.join(dir, ".latchkey-chat-sdk"))).toEqual(["app1.json"]);
	});

	test("an unreadable store makes init reject with STORAGE_ERROR", async () => {
		await writeFile(path.join(dir, "blocker"), "");
		const settings = createTestSettings(server).setStorageDirectory(path.join(dir, "blocker"));
		expect(await rejectionOf(CometChat.init(server.h.seed.app.id, settings.build()))).toEqual({
			code: "STORAGE_ERROR",
			name: "STORAGE_ERROR",
			message: "The session could not be read or written in the configured storage.",
			details: {},
			status: 0,
			retryAfterMs: null,
		});
	});
});

describe("a stored session the server no longer accepts", () => {
	test("is cleared on the first call that gets AUTH_ERR_AUTH_TOKEN_NOT_FOUND, and logoutSuccess fires", async () => {
		const storage = createMemoryStorage();
		const token = await loginThenRestore(() => createTestSettings(server).setStorage(storage));
		await server.h.call("DELETE", "/v3.0/users/superhero1/auth_tokens", { key: server.h.seed.restApiKey });
		events.length = 0;
		const error = await rejectionOf(CometChat.updateCurrentUserDetails(new CometChat.User("superhero1", "X")));
		expect(error).toMatchObject({ code: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", status: 401 });
		expect(events).toEqual([["logoutSuccess"]]);
		expect(await CometChat.getLoggedinUser()).toBeNull();
		expect(await storage.read(server.h.seed.app.id)).not.toContain(token);
	});
});

describe("listeners", () => {
	test("a listener that throws does not break login, and removed listeners hear nothing", async () => {
		const registry = new ListenerRegistry();
		const heard: string[] = [];
		const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
		registry.addLoginListener(
			"bad",
			new LoginListener({
				loginSuccess: () => {
					throw new Error("app bug");
				},
			}),
		);
		registry.addLoginListener("gone", new LoginListener({ loginSuccess: () => heard.push("gone") }));
		registry.removeLoginListener("gone");
		const storage: SessionStorage = createMemoryStorage();
		const client = new Client(server.h.seed.app.id, createTestSettings(server).setStorage(storage).build(), {
			listeners: registry,
		});
		expect((await client.login("superhero1", server.h.seed.authKey)).getUid()).toBe("superhero1");
		expect(heard).toEqual([]);
		expect(consoleError).toHaveBeenCalledTimes(1);
		consoleError.mockRestore();
	});
});
