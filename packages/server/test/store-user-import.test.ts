import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { KyselyStore } from "../src/store/kysely-store.ts";
import type { UserImportEntry } from "../src/store/store.ts";
import { app, T, user } from "./records.ts";
import { DIALECTS, openTestStore } from "./stores.ts";

// Issue 18: Store.importUsers, the batch write behind the data import and `latchkey users import`.

function entry(uid: string, name = `Name ${uid}`): UserImportEntry {
	return { user: user("a1", uid, { name }), patch: { name, updatedAt: T + 1000 } };
}

describe.each(DIALECTS)("Store.importUsers on %s", (dialect) => {
	let store: KyselyStore;
	beforeEach(async () => {
		store = await openTestStore(dialect);
		await store.insertApp(app("a1"), [], [user("a1", "taken", { name: "Old", avatar: "https://example.test/a.png" })]);
		await store.insertApp(app("a2"), [], [user("a2", "elsewhere")]);
	});
	afterEach(async () => {
		await store.close();
	});

	test("creates free uids, skips taken ones (a deactivated user's too), one outcome per entry in order", async () => {
		await store.insertUser(user("a1", "gone", { deactivatedAt: T }));
		const outcomes = await store.importUsers("a1", [entry("new1"), entry("taken"), entry("gone"), entry("elsewhere")], {
			onExisting: "skip",
			maxNewUsers: 100,
		});
		expect(outcomes).toEqual(["created", "skipped", "skipped", "created"]);
		expect(await store.getUser("a1", "new1")).toEqual(user("a1", "new1"));
		expect(await store.getUser("a1", "taken")).toMatchObject({ name: "Old", updatedAt: null });
		// The same uid in another app is another user.
		expect(await store.getUser("a2", "elsewhere")).toMatchObject({ name: "Name elsewhere" });
	});

	test("update patches only the fields given and keeps createdAt; maxNewUsers caps the creations", async () => {
		const outcomes = await store.importUsers("a1", [entry("taken", "New"), entry("n1"), entry("n2"), entry("n3")], {
			onExisting: "update",
			maxNewUsers: 2,
		});
		expect(outcomes).toEqual(["updated", "created", "created", "quota"]);
		expect(await store.getUser("a1", "taken")).toMatchObject({
			name: "New",
			avatar: "https://example.test/a.png",
			createdAt: T,
			updatedAt: T + 1000,
		});
		expect(await store.getUser("a1", "n3")).toBeNull();
	});

	test("a dry run works out the same outcomes and writes nothing", async () => {
		const outcomes = await store.importUsers("a1", [entry("taken", "New"), entry("n1"), entry("n2")], {
			onExisting: "update",
			maxNewUsers: 1,
			dryRun: true,
		});
		expect(outcomes).toEqual(["updated", "created", "quota"]);
		expect(await store.getUser("a1", "n1")).toBeNull();
		expect(await store.getUser("a1", "taken")).toMatchObject({ name: "Old" });
	});

	test("a batch larger than one statement's rows imports whole", async () => {
		const entries = Array.from({ length: 1_234 }, (_, i) => entry(`bulk${i}`));
		const outcomes = await store.importUsers("a1", entries, { onExisting: "skip", maxNewUsers: 10_000 });
		expect(outcomes.filter((outcome) => outcome === "created")).toHaveLength(1_234);
		expect(await store.countUsers("a1", 10_000)).toBe(1_235);
	});

	test("two imports of the same uids at once create each user exactly once", async () => {
		const entries = Array.from({ length: 300 }, (_, i) => entry(`race${i}`));
		const [first, second] = await Promise.all([
			store.importUsers("a1", entries, { onExisting: "skip", maxNewUsers: 10_000 }),
			store.importUsers("a1", entries, { onExisting: "skip", maxNewUsers: 10_000 }),
		]);
		const created = [...(first ?? []), ...(second ?? [])].filter((outcome) => outcome === "created");
		expect(created).toHaveLength(300);
		expect(await store.countUsers("a1", 10_000)).toBe(301);
	});
});
