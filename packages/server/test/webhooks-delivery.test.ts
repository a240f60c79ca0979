import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { createAuditRecorder } from "../src/audit/recorder.ts";
import { createApp as createLatchkeyApp } from "../src/domain/apps.ts";
import { toUnixSeconds } from "../src/domain/clock.ts";
import { noEvents } from "../src/events/bus.ts";
import { KyselyStore } from "../src/store/kysely-store.ts";
import { verifyWebhookSignature } from "../src/webhooks/signature.ts";
import { createWebhook } from "../src/webhooks/webhooks.ts";
import { computeRetryDelayMs, DEFAULT_MAX_RETRY_AGE_MS, DEFAULT_WEBHOOK_HISTORY_MS } from "../src/webhooks/worker.ts";
import { ManualClock } from "./harness.ts";
import { openTestStore } from "./stores.ts";
import { within } from "./wait.ts";
import { createDeliveryFixture, type DeliveryFixture, type Receiver, startReceiver } from "./webhooks-support.ts";

// Delivery (issue 16): signing, retries with backoff, timeouts, the 24 h limit, the address guard at connect time,
// the bound per endpoint, and a crash between the event's commit and its delivery.

let fixture: DeliveryFixture | null = null;
let receiver: Receiver | null = null;
let dir: string | null = null;
afterEach(async () => {
	await receiver?.close();
	await fixture?.close();
	receiver = null;
	fixture = null;
	if (dir) rmSync(dir, { recursive: true, force: true });
	dir = null;
});

/** The longest delay before retry `attempts` + 1 (the fixture pins the jitter to its top). */
const longestDelay = (attempts: number): number => computeRetryDelayMs(attempts, 0.999_999);

describe("a delivery", () => {
	test("is a POST of the event JSON with its id and a signature that verifies with the webhook's secret", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => 204);
		const { id, secret } = await fixture.createWebhook(receiver.url, ["user.created"]);
		await fixture.recordEvent("user.created", "alice");
		const worker = fixture.startWorker();
		expect(await worker.runOnce()).toBe(1);
		const [request] = receiver.requests;
		const [delivery] = await fixture.deliveries(id);
		expect(request?.method).toBe("POST");
		expect(request?.headers["content-type"]).toBe("application/json");
		expect(request?.headers["latchkey-webhook-id"]).toBe(delivery?.id);
		const t = toUnixSeconds(fixture.clock.now());
		const signature = String(request?.headers["latchkey-signature"]);
		expect(signature).toMatch(new RegExp(`^t=${t},v1=[0-9a-f]{64}$`));
		expect(verifyWebhookSignature(secret, signature, request?.body ?? "", t)).toBe(true);
		// A receiver refuses a wrong secret, an altered body, and a stale timestamp.
		expect(verifyWebhookSignature(`${secret}x`, signature, request?.body ?? "", t)).toBe(false);
		expect(verifyWebhookSignature(secret, signature, `${request?.body} `, t)).toBe(false);
		expect(verifyWebhookSignature(secret, signature, request?.body ?? "", t + 301)).toBe(false);
		expect(JSON.parse(request?.body ?? "")).toEqual({
			id: expect.stringMatching(/^evt_/),
			type: "user.created",
			appId: fixture.seed.app.id,
			actor: { kind: "system", id: null },
			subject: "alice",
			ip: null,
			userAgent: null,
			details: { uid: "alice" },
			createdAt: fixture.clock.now(),
		});
		expect(delivery).toMatchObject({ status: "delivered", attempts: 1, lastResponseCode: 204, nextAttemptAt: null });
	});

	test("verifies with the Node snippet docs/webhooks.md shows, which refuses a forgery and a replay", async () => {
		const markdown = readFileSync(fileURLToPath(new URL("../../../docs/webhooks.md", import.meta.url)), "utf8");
		const snippet = /```js\n([\s\S]*?)```/.exec(markdown)?.[1] ?? "";
		expect(snippet.split("\n").filter((line) => line.trim() !== "").length).toBeLessThanOrEqual(10);
		dir = mkdtempSync(path.join(tmpdir(), "latchkey-snippet-"));
		const file = path.join(dir, "verify.mjs");
		writeFileSync(file, snippet);
		const { verifyLatchkeySignature } = (await import(pathToFileURL(file).href)) as {
			verifyLatchkeySignature: (secret: string, header: string, body: string, tolerance?: number) => boolean;
		};
		fixture = await createDeliveryFixture();
		// The snippet reads the real clock.
		fixture.clock.ms = Date.now();
		receiver = await startReceiver(() => 200);
		const { secret } = await fixture.createWebhook(receiver.url);
		await fixture.recordEvent();
		expect(await fixture.startWorker().runOnce()).toBe(1);
		const header = String(receiver.requests[0]?.headers["latchkey-signature"]);
		const body = receiver.requests[0]?.body ?? "";
		expect(verifyLatchkeySignature(secret, header, body)).toBe(true);
		expect(verifyLatchkeySignature(secret, header, body.replace("alice", "mallory"))).toBe(false);
		expect(verifyLatchkeySignature("whsec_other", header, body)).toBe(false);
		const stale = header.replace(/^t=(\d+)/, (_m, t: string) => `t=${Number(t) - 301}`);
		expect(verifyLatchkeySignature(secret, stale, body)).toBe(false);
	});

	test("goes only to webhooks subscribed to its type", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => 200);
		const deletes = await fixture.createWebhook(receiver.url, ["user.deleted"]);
		const all = await fixture.createWebhook(receiver.url, ["*"]);
		await fixture.recordEvent("user.created");
		expect(await fixture.deliveries(deletes.id)).toEqual([]);
		// "*" also hears its own creation.
		expect((await fixture.deliveries(all.id)).map((d) => d.eventType).sort()).toEqual([
			"user.created",
			"webhook.created",
		]);
	});

	test("answered 500 twice and then 200 is delivered on the third attempt, each retry after its backoff", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver((index) => (index < 2 ? 500 : 200));
		const { id } = await fixture.createWebhook(receiver.url);
		await fixture.recordEvent();
		const worker = fixture.startWorker();
		const createdAt = fixture.clock.now();

		expect(await worker.runOnce()).toBe(1);
		expect(await fixture.deliveries(id)).toMatchObject([
			{ status: "pending", attempts: 1, lastResponseCode: 500, nextAttemptAt: createdAt + longestDelay(1) },
		]);
		// Not due yet: nothing is sent a millisecond early.
		fixture.clock.advance(longestDelay(1) - 1);
		expect(await worker.runOnce()).toBe(0);
		fixture.clock.advance(1);
		expect(await worker.runOnce()).toBe(1);
		const second = fixture.clock.now();
		expect(await fixture.deliveries(id)).toMatchObject([
			{ status: "pending", attempts: 2, lastResponseCode: 500, nextAttemptAt: second + longestDelay(2) },
		]);
		fixture.clock.advance(longestDelay(2));
		expect(await worker.runOnce()).toBe(1);
		expect(await fixture.deliveries(id)).toMatchObject([
			{ status: "delivered", attempts: 3, lastResponseCode: 200, nextAttemptAt: null },
		]);
		expect(receiver.requests).toHaveLength(3);
		// The same delivery each time: one id for the receiver to deduplicate on.
		expect(new Set(receiver.requests.map((r) => r.headers["latchkey-webhook-id"])).size).toBe(1);
		expect(await worker.runOnce()).toBe(0);
	});

	test("the backoff doubles from 5-10 s up to 30-60 min, with jitter", () => {
		expect([1, 2, 3, 10, 30].map((n) => computeRetryDelayMs(n, 0))).toEqual([
			5_000, 10_000, 20_000, 1_800_000, 1_800_000,
		]);
		expect(computeRetryDelayMs(1, 0.999_999)).toBe(10_000);
	});

	test("an endpoint that does not answer within the timeout is a failed attempt without a status, retried", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => "hold");
		const { id } = await fixture.createWebhook(receiver.url);
		await fixture.recordEvent();
		const worker = fixture.startWorker({ timeoutMs: 200 });
		expect(await worker.runOnce()).toBe(1);
		expect(receiver.requests).toHaveLength(1);
		expect(await fixture.deliveries(id)).toMatchObject([
			{ status: "pending", attempts: 1, lastResponseCode: null, nextAttemptAt: fixture.clock.now() + longestDelay(1) },
		]);
	});

	test("an endpoint that answers 200 and then trickles its body forever loses the socket at the timeout", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => "trickle");
		const { id } = await fixture.createWebhook(receiver.url);
		await fixture.recordEvent();
		const worker = fixture.startWorker({ timeoutMs: 200 });
		expect(await worker.runOnce()).toBe(1);
		expect(await fixture.deliveries(id)).toMatchObject([{ status: "delivered", attempts: 1, lastResponseCode: 200 }]);
		// The worker cuts the connection itself (the receiver never ends it).
		await within(receiver.requests[0]?.closed ?? Promise.reject(new Error("no request")), "the worker closing it");
	});

	test("still failing 24 h after the event it is marked failed and not tried again", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => 503);
		const { id } = await fixture.createWebhook(receiver.url);
		await fixture.recordEvent();
		const worker = fixture.startWorker();
		// The next retry would fall after the 24 h since the event.
		fixture.clock.advance(DEFAULT_MAX_RETRY_AGE_MS - longestDelay(1) + 1);
		expect(await worker.runOnce()).toBe(1);
		expect(await fixture.deliveries(id)).toMatchObject([
			{ status: "failed", attempts: 1, lastResponseCode: 503, nextAttemptAt: null },
		]);
		fixture.clock.advance(DEFAULT_MAX_RETRY_AGE_MS);
		expect(await worker.runOnce()).toBe(0);
		expect(receiver.requests).toHaveLength(1);
	});

	test("of a deleted webhook is never sent", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => 200);
		const { id } = await fixture.createWebhook(receiver.url);
		await fixture.recordEvent();
		await fixture.store.deleteWebhook(fixture.seed.app.id, id);
		expect(await fixture.startWorker().runOnce()).toBe(0);
		expect(receiver.requests).toEqual([]);
	});
});

describe("the address guard at delivery", () => {
	test("a name that resolves to 127.0.0.1 when the worker connects is refused (DNS rebinding)", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => 200);
		const port = new URL(receiver.url).port;
		// Accepted when saved: a name is not resolved then.
		const { id } = await fixture.createWebhook(`http://hooks.rebind.example:${port}/hook`);
		await fixture.recordEvent();
		const resolveHost = async (): Promise<Array<{ address: string; family: number }>> => [
			{ address: "127.0.0.1", family: 4 },
		];
		expect(await fixture.startWorker({ allowPrivate: false, resolveHost }).runOnce()).toBe(1);
		expect(receiver.requests).toEqual([]);
		expect(await fixture.deliveries(id)).toMatchObject([{ status: "pending", attempts: 1, lastResponseCode: null }]);
		// The same delivery with private targets allowed reaches the receiver: the refusal above was the guard's.
		fixture.clock.advance(longestDelay(1));
		expect(await fixture.startWorker({ allowPrivate: true, resolveHost }).runOnce()).toBe(1);
		expect(receiver.requests).toHaveLength(1);
		expect(await fixture.deliveries(id)).toMatchObject([{ status: "delivered", attempts: 2, lastResponseCode: 200 }]);
	});

	test("a name with one private address among public ones is refused", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => 200);
		const { id } = await fixture.createWebhook(`http://mixed.example:${new URL(receiver.url).port}/`);
		await fixture.recordEvent();
		const resolveHost = async (): Promise<Array<{ address: string; family: number }>> => [
			{ address: "93.184.216.34", family: 4 },
			{ address: "::1", family: 6 },
		];
		expect(await fixture.startWorker({ allowPrivate: false, resolveHost }).runOnce()).toBe(1);
		expect(receiver.requests).toEqual([]);
		expect(await fixture.deliveries(id)).toMatchObject([{ status: "pending", attempts: 1, lastResponseCode: null }]);
	});

	for (const host of ["127.0.0.1", "10.1.2.3", "169.254.169.254", "[::1]", "[fc00::5]", "[fd00::1]"]) {
		test(`a stored URL with the address ${host} is refused without connecting`, async () => {
			fixture = await createDeliveryFixture();
			receiver = await startReceiver(() => 200);
			// Saved while private targets were allowed, sent by a worker that no longer allows them.
			const url = host === "127.0.0.1" ? receiver.url : `http://${host}:9/hook`;
			const { id } = await fixture.createWebhook(url);
			await fixture.recordEvent();
			expect(await fixture.startWorker({ allowPrivate: false, timeoutMs: 2_000 }).runOnce()).toBe(1);
			expect(receiver.requests).toEqual([]);
			expect(await fixture.deliveries(id)).toMatchObject([{ status: "pending", attempts: 1, lastResponseCode: null }]);
		});
	}
});

describe("every process that records events", () => {
	test("queues their deliveries, also through a store the server did not set up (the CLI's)", async () => {
		const store = await openTestStore("sqlite");
		try {
			const clock = new ManualClock();
			const deps = { store, clock, events: noEvents };
			const seed = await createLatchkeyApp(deps, { name: "CLI" });
			const { webhook } = await createWebhook(
				deps,
				seed.app.id,
				{ url: "https://hooks.example.com/", events: ["user.deleted"] },
				{ allowPrivate: false },
			);
			const cli = createAuditRecorder(
				store,
				{ actor: { kind: "cli", id: null }, ip: null, userAgent: null },
				{
					clock,
					onError: (error) => {
						throw error;
					},
				},
			);
			await cli.record({ type: "user.deleted", appId: seed.app.id, subject: "bob", details: { uid: "bob" } });
			const { items } = await store.listWebhookDeliveries(seed.app.id, webhook.id, { limit: 10, offset: 0 });
			expect(items.map((d) => [d.eventType, d.status, JSON.parse(d.event).actor])).toEqual([
				["user.deleted", "pending", { kind: "cli", id: null }],
			]);
		} finally {
			await store.close();
		}
	});
});

describe("history", () => {
	test("delivered and failed deliveries are deleted after 30 days; pending ones are kept", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver((index) => (index === 0 ? 200 : 500));
		const { id } = await fixture.createWebhook(receiver.url);
		await fixture.recordEvent("user.created", "old");
		const worker = fixture.startWorker();
		expect(await worker.runOnce()).toBe(1);
		fixture.clock.advance(1);
		await fixture.recordEvent("user.created", "pending");
		expect(await worker.runOnce()).toBe(1);
		expect(await worker.pruneOnce()).toBe(0);
		fixture.clock.advance(DEFAULT_WEBHOOK_HISTORY_MS);
		expect(await worker.pruneOnce()).toBe(1);
		expect((await fixture.deliveries(id)).map((d) => [d.status, d.attempts])).toEqual([["pending", 1]]);
	});
});

describe("bounds", () => {
	test("a flood of events opens at most maxConcurrencyPerWebhook requests to one endpoint; all are delivered", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => "hold");
		const { id } = await fixture.createWebhook(receiver.url);
		for (let i = 0; i < 20; i++) await fixture.recordEvent("user.created", `u${i}`);
		const worker = fixture.startWorker({ maxConcurrency: 16, maxConcurrencyPerWebhook: 4 });
		const firstRound = worker.runOnce();
		// Answer the oldest open request, one at a time; each answer lets exactly one more in.
		for (let answered = 0; answered < 20; answered++) {
			await receiver.waitForRequests(Math.min(20, answered + 4));
			receiver.requests.find((r) => !r.answered)?.respond(200);
		}
		expect(await firstRound).toBe(4);
		// The attempts the background claims started are recorded.
		await worker.drain();
		const states = (await fixture.deliveries(id)).map((d) => d.status);
		expect(states).toEqual(Array(20).fill("delivered"));
		expect(receiver.requests).toHaveLength(20);
		expect(receiver.maxOpen()).toBe(4);
	});

	test("a hanging endpoint does not hold back another webhook's deliveries", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => "hold");
		const fast = await startReceiver(() => 200);
		try {
			const slow = await fixture.createWebhook(receiver.url, ["user.created"]);
			const quick = await fixture.createWebhook(fast.url, ["user.deleted"]);
			// The slow endpoint's rows are the oldest: a worker that queued them locally would fill its slots with them.
			for (let i = 0; i < 10; i++) await fixture.recordEvent("user.created", `u${i}`);
			fixture.clock.advance(1);
			for (let i = 0; i < 10; i++) await fixture.recordEvent("user.deleted", `u${i}`);
			const worker = fixture.startWorker({ maxConcurrency: 8, maxConcurrencyPerWebhook: 4 });
			void worker.runOnce();
			await fast.waitForRequests(10);
			await receiver.waitForRequests(4);
			// The slow endpoint holds 4 sockets and no more; the other webhook got everything through meanwhile.
			expect(receiver.requests).toHaveLength(4);
			expect(receiver.requests.every((r) => !r.answered)).toBe(true);
			for (const request of receiver.requests) request.respond(500);
			await worker.drain();
			expect((await fixture.deliveries(quick.id)).map((d) => d.status)).toEqual(Array(10).fill("delivered"));
			// The slow webhook's 4 answered 500 (retried later); its 6 others were never taken from the outbox.
			expect((await fixture.deliveries(slow.id)).map((d) => d.attempts).sort()).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
		} finally {
			await fast.close();
		}
	});
});

describe("a crash between the event's commit and its delivery", () => {
	test("loses nothing: the outbox row committed with the event is sent by the next process's worker", async () => {
		dir = mkdtempSync(path.join(tmpdir(), "latchkey-webhooks-"));
		const filename = path.join(dir, "latchkey.db");
		const first = new KyselyStore({ kind: "sqlite", filename });
		await first.migrate();
		fixture = await createDeliveryFixture({ store: first });
		receiver = await startReceiver(() => 200);
		const { id } = await fixture.createWebhook(receiver.url);
		const appId = fixture.seed.app.id;
		// The event commits; no worker ever runs in this "process", which then goes away.
		await fixture.recordEvent();
		await fixture.close();
		fixture = null;

		const second = new KyselyStore({ kind: "sqlite", filename });
		await second.migrate();
		fixture = await createDeliveryFixture({ store: second });
		expect(await fixture.store.listWebhookDeliveries(appId, id, { limit: 10, offset: 0 })).toMatchObject({
			total: 1,
			items: [{ status: "pending", attempts: 0 }],
		});
		fixture.clock.advance(1);
		expect(await fixture.startWorker().runOnce()).toBe(1);
		expect(receiver.requests).toHaveLength(1);
		expect(await fixture.store.listWebhookDeliveries(appId, id, { limit: 10, offset: 0 })).toMatchObject({
			items: [{ status: "delivered", attempts: 1, lastResponseCode: 200 }],
		});
	});

	test("a delivery claimed by a worker that died mid-send is sent by another once the lease ends", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver(() => 200);
		const { id } = await fixture.createWebhook(receiver.url);
		await fixture.recordEvent();
		const lease = 120_000;
		const stolen = await fixture.store.claimWebhookDeliveries({
			nodeId: "dead-node",
			now: fixture.clock.now(),
			leaseMs: lease,
			limit: 10,
			excludeWebhookIds: [],
		});
		expect(stolen).toHaveLength(1);
		const worker = fixture.startWorker();
		expect(await worker.runOnce()).toBe(0);
		fixture.clock.advance(lease);
		expect(await worker.runOnce()).toBe(1);
		expect(await fixture.deliveries(id)).toMatchObject([{ status: "delivered", attempts: 1 }]);
		// The dead node's late report is ignored: its lease is gone.
		expect(
			await fixture.store.settleWebhookDelivery(stolen[0]?.id ?? "", "dead-node", {
				status: "failed",
				lastResponseCode: 500,
				lastAttemptAt: fixture.clock.now(),
				nextAttemptAt: null,
			}),
		).toBe(false);
	});

	test("close() cuts a hanging request and gives its delivery back unsent", async () => {
		fixture = await createDeliveryFixture();
		receiver = await startReceiver((index) => (index === 0 ? "hold" : 200));
		const { id } = await fixture.createWebhook(receiver.url);
		await fixture.recordEvent();
		const worker = fixture.startWorker();
		const round = worker.runOnce();
		await receiver.waitForRequests(1);
		await worker.close();
		await round;
		expect(await fixture.deliveries(id)).toMatchObject([{ status: "pending", attempts: 0, lastResponseCode: null }]);
		expect(await fixture.startWorker({}).runOnce()).toBe(1);
		expect(await fixture.deliveries(id)).toMatchObject([{ status: "delivered", attempts: 1, lastResponseCode: 200 }]);
	});
});
