import pino from "pino";
import { afterEach, expect, test } from "vitest";
import { parsePublicEndpoint } from "../src/domain/me.ts";
import { createWebApp } from "../src/web-app.ts";
import { credentialId, TOKEN_PATTERN } from "./helpers.ts";
import { createDeliveryFixture, type DeliveryFixture, type Receiver, startReceiver } from "./webhooks-support.ts";

// Issue 16: a slow or dead webhook endpoint never slows a login. The login only writes outbox rows in its own
// transaction; the worker sends them beside it.

let fixture: DeliveryFixture | null = null;
let receiver: Receiver | null = null;
afterEach(async () => {
	await receiver?.close();
	await fixture?.close();
	receiver = null;
	fixture = null;
});

test("a login answers while the webhook endpoint its event went to is still hanging", async () => {
	fixture = await createDeliveryFixture();
	receiver = await startReceiver(() => "hold");
	const { id } = await fixture.createWebhook(receiver.url, ["token.created", "login.succeeded"]);
	// The worker runs in the background, woken by each commit that queues a delivery.
	fixture.startWorker();
	const app = createWebApp({
		...fixture.deps,
		publicEndpoint: parsePublicEndpoint("https://chat.example.test"),
		logger: pino({ level: "silent" }),
	});
	const appId = fixture.seed.app.id;
	const call = (path: string, key: string, body: unknown): Promise<Response> =>
		Promise.resolve(
			app.request(path, {
				method: "POST",
				headers: { appid: appId, apikey: key, "content-type": "application/json" },
				body: JSON.stringify(body),
			}),
		);
	expect((await call("/v3/users", fixture.seed.restApiKey, { uid: "alice", name: "Alice" })).status).toBe(200);

	const first = await call("/v3.0/users/alice/auth_tokens", fixture.seed.authKey, {});
	expect(first.status).toBe(200);
	// The first login's deliveries are at the endpoint, which does not answer.
	await receiver.waitForRequests(1);
	expect(receiver.requests.every((r) => !r.answered)).toBe(true);

	const second = await call("/v3.0/users/alice/auth_tokens", fixture.seed.authKey, {});
	const body = (await second.json()) as { data: { authToken: string; uid: string } };
	expect(second.status).toBe(200);
	expect(body.data.uid).toBe("alice");
	expect(body.data.authToken).toMatch(TOKEN_PATTERN);
	// Answered while every request to the endpoint is still open.
	expect(receiver.requests.length).toBeGreaterThan(0);
	expect(receiver.requests.every((r) => !r.answered)).toBe(true);
	const types = (await fixture.deliveries(id)).map((d) => d.eventType).sort();
	expect(types).toEqual(["login.succeeded", "login.succeeded", "token.created", "token.created"]);
});

test("creating and deleting a webhook are recorded as the REST key that did it, without the secret", async () => {
	fixture = await createDeliveryFixture();
	const app = createWebApp({
		...fixture.deps,
		publicEndpoint: parsePublicEndpoint("https://chat.example.test"),
		logger: pino({ level: "silent" }),
	});
	const headers = { appid: fixture.seed.app.id, apikey: fixture.seed.restApiKey, "content-type": "application/json" };
	const created = await app.request("/v3/webhooks", {
		method: "POST",
		headers: { ...headers, "user-agent": "ops-script/1" },
		body: JSON.stringify({ url: "https://hooks.example.com/x", events: ["login.failed"] }),
	});
	const { id, secret } = ((await created.json()) as { data: { id: string; secret: string } }).data;
	expect((await app.request(`/v3/webhooks/${id}`, { method: "DELETE", headers })).status).toBe(200);
	const log = await app.request("/v3/audit_log?type=webhook.created", { headers });
	const deleted = await app.request("/v3/audit_log?type=webhook.deleted", { headers });
	const keyId = credentialId(fixture.seed.restApiKey);
	const createdEvents = ((await log.json()) as { data: unknown[] }).data;
	expect(createdEvents).toEqual([
		{
			id: expect.any(String),
			type: "webhook.created",
			appId: fixture.seed.app.id,
			actor: { kind: "apiKey", id: keyId },
			subject: id,
			ip: null,
			userAgent: "ops-script/1",
			details: { url: "https://hooks.example.com/x", events: ["login.failed"] },
			createdAt: fixture.clock.now(),
		},
	]);
	expect(JSON.stringify(createdEvents)).not.toContain(secret);
	expect(((await deleted.json()) as { data: unknown[] }).data).toMatchObject([
		{
			type: "webhook.deleted",
			actor: { kind: "apiKey", id: keyId },
			subject: id,
			details: { url: "https://hooks.example.com/x" },
		},
	]);
});
