import { describe, expect, test } from "vitest";
import { createAuthToken } from "../src/domain/auth-tokens.ts";
import type { RevocationReason } from "../src/domain/revocations.ts";
import { deleteUser } from "../src/domain/users.ts";
import { recheckLiveSockets } from "../src/realtime/live-socket-check.ts";
import { createHarness } from "./harness.ts";
import { DIALECTS } from "./stores.ts";

describe.each(DIALECTS)("recheckLiveSockets() on %s", (dialect) => {
	test("closes exactly the sockets whose token was deleted or whose user was deactivated elsewhere", async () => {
		const h = await createHarness({ dialect });
		try {
			const appId = h.seed.app.id;
			const kept = await createAuthToken(h.deps, appId, "superhero1");
			const deleted = await createAuthToken(h.deps, appId, "superhero1");
			const ofDeactivated = await createAuthToken(h.deps, appId, "superhero2");
			// Revocations made behind the hub's back (another process): nothing told this node.
			await h.store.deleteAuthToken(deleted.token.id);
			await deleteUser(h.deps, appId, "superhero2");
			const live = [kept.token.id, deleted.token.id, ofDeactivated.token.id, "lkat_00000000000000000000"];
			const closed: Array<{ ids: readonly string[]; reason: RevocationReason }> = [];
			const hub = {
				liveTokenIds: () => live,
				closeTokens: (ids: readonly string[], reason: RevocationReason) => {
					closed.push({ ids, reason });
					return ids.length;
				},
			};
			expect(await recheckLiveSockets(hub, h.store)).toBe(3);
			expect(closed).toEqual([
				{ ids: [deleted.token.id, ofDeactivated.token.id, "lkat_00000000000000000000"], reason: "revoked" },
			]);
		} finally {
			await h.close();
		}
	});

	test("checks thousands of live sockets in chunks and closes nothing when all are valid", async () => {
		const h = await createHarness({ dialect });
		try {
			const token = await createAuthToken(h.deps, h.seed.app.id, "superhero3");
			const live = Array.from({ length: 1200 }, () => token.token.id);
			const hub = { liveTokenIds: () => live, closeTokens: () => 99 };
			expect(await recheckLiveSockets(hub, h.store)).toBe(0);
		} finally {
			await h.close();
		}
	});
});
