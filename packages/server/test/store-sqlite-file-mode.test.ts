import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { makeTempDir } from "./process.ts";

// Issue 12, item 8: the SQLite file holds hashes and the JWT signing secrets; only its owner may read it.
describe("the SQLite database file", () => {
	test("is created 0600, and so are its -wal and -shm files", async () => {
		const filename = path.join(makeTempDir("sqlite-mode"), "latchkey.db");
		const store = new KyselyStore({ kind: "sqlite", filename });
		try {
			await store.migrate();
			expect(statSync(filename).mode & 0o777).toBe(0o600);
			for (const companion of [`${filename}-wal`, `${filename}-shm`]) {
				expect(existsSync(companion)).toBe(true);
				expect(statSync(companion).mode & 0o777).toBe(0o600);
			}
		} finally {
			await store.close();
		}
	});

	test("an existing file an older version created 0644 is narrowed to 0600", async () => {
		const filename = path.join(makeTempDir("sqlite-mode"), "latchkey.db");
		writeFileSync(filename, "");
		chmodSync(filename, 0o644);
		const store = new KyselyStore({ kind: "sqlite", filename });
		try {
			await store.migrate();
			expect(statSync(filename).mode & 0o777).toBe(0o600);
		} finally {
			await store.close();
		}
	});
});
