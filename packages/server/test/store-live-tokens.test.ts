import { describe, expect, test } from "vitest";
import { createAuthToken } from "../src/domain/auth-tokens.ts";
import { deleteUser } from "../src/domain/users.ts";
import { createHarness } from "./harness.ts";
import { DIALECTS } from "./stores.ts";

describe.each(DIALECTS)("findExistingAuthTokenIds() on %s", (dialect) => {
	test("returns only tokens that still work: not deleted, user not deactivated, in chunks of any size", async () => {
		const h = await createHarness({ dialect });
		try {
			const appId = h.seed.app.id;
			const kept = await createAuthToken(h.deps, appId, "superhero1");
			const deleted = await createAuthToken(h.deps, appId, "superhero1");
			const ofDeactivated = await createAuthToken(h.deps, appId, "superhero2");
			await h.store.deleteAuthToken(deleted.token.id);
			await deleteUser(h.deps, appId, "superhero2");
			const asked = [kept.token.id, deleted.token.id, ofDeactivated.token.id, "lkat_00000000000000000000"];
			expect(await h.store.findExistingAuthTokenIds(asked)).toEqual([kept.token.id]);
			expect(await h.store.findExistingAuthTokenIds([])).toEqual([]);
		} finally {
			await h.close();
		}
	});
});
