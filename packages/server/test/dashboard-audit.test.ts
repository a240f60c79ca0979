import { afterEach, expect, test } from "vitest";
import type { AuditEvent } from "../src/audit/audit-event.ts";
import { createAuditRecorder, SYSTEM_CONTEXT } from "../src/audit/recorder.ts";
import { maskCredential } from "../src/domain/secrets.ts";
import { createWebApp } from "../src/web-app.ts";
import { createDashboardHarness, type DashboardHarness, OPERATOR, TestBrowser } from "./dashboard-support.ts";
import { credentialId, mintToken } from "./helpers.ts";

// Issue 16: what an operator changes in the dashboard is audited as that operator, from the browser's address.

let h: DashboardHarness;
afterEach(async () => {
	await h.close();
});

const SOURCE = "203.0.113.9";

test("dashboard changes are recorded with the operator actor and the browser's address", async () => {
	h = await createDashboardHarness();
	const audit = createAuditRecorder(h.cache.store, SYSTEM_CONTEXT, {
		clock: h.clock,
		onError: (error) => {
			throw error;
		},
	});
	const browser = new TestBrowser(createWebApp({ ...h.dashboardDeps, audit }), SOURCE);
	const csrf = await browser.signIn();
	const base = `/dashboard/apps/${h.seed.app.id}`;
	const operator = await h.store.getOperatorByEmail(OPERATOR.email.toLowerCase());
	const token = await mintToken(h, "superhero3");

	expect((await browser.post(`${base}/users/superhero3/tokens/flush`, { _csrf: csrf, confirm: "1" })).status).toBe(303);
	expect((await browser.post(`${base}/users/superhero4/delete`, { _csrf: csrf, confirm: "1" })).status).toBe(303);

	const rows = (await h.store.listAuditEvents(h.seed.app.id, { limit: 10 })).reverse();
	const actor = { kind: "operator", id: operator?.id };
	const stamp = { id: expect.stringMatching(/^evt_/), appId: h.seed.app.id, actor, ip: SOURCE, userAgent: null };
	expect(rows).toEqual<AuditEvent[]>([
		{
			...stamp,
			type: "token.revoked",
			subject: maskCredential(credentialId(token.authToken)),
			details: { uid: "superhero3", reason: "flushed" },
			createdAt: h.clock.now(),
		},
		{
			...stamp,
			type: "user.deactivated",
			subject: "superhero4",
			details: { uid: "superhero4" },
			createdAt: h.clock.now(),
		},
	] as AuditEvent[]);
});
