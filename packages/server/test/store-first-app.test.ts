import { describe, expect, test } from "vitest";
import type { AppRecord } from "../src/store/store.ts";
import { DIALECTS, openTestStore } from "./stores.ts";

function app(id: string): AppRecord {
	return { id, name: id, region: "us", jwtSecret: "s", createdAt: 1 };
}

describe.each(DIALECTS)("insertFirstApp() on %s", (dialect) => {
	test("of ten concurrent first starts exactly one creates an app; later calls create none", async () => {
		const store = await openTestStore(dialect);
		try {
			const results = await Promise.all(
				Array.from({ length: 10 }, (_, i) => store.insertFirstApp(app(`app${i}`), [], [])),
			);
			expect(results.filter(Boolean)).toHaveLength(1);
			expect(await store.listApps()).toHaveLength(1);
			expect(await store.insertFirstApp(app("late"), [], [])).toBe(false);
			expect(await store.listApps()).toHaveLength(1);
		} finally {
			await store.close();
		}
	});
});
