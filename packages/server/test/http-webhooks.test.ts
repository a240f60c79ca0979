import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createTokenCipher } from "../src/domain/token-cipher.ts";
import { insertWebhookDeliveries } from "../src/store/webhooks.ts";
import { MAX_WEBHOOKS_PER_APP } from "../src/webhooks/webhooks.ts";
import { createHarness, type Harness } from "./harness.ts";
import { createOtherApp, credentialId, expectError, expectResponse, readJSON, T0 } from "./helpers.ts";

// The webhook routes (issue 16): contract, validation, the private-address guard, scopes and cross-app isolation.
// Deliveries themselves are in webhooks-delivery.test.ts.

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

const BAD_REQUEST = "Failed to validate the data sent with the request.";
const PRIVATE = "The url may not point to a loopback, link-local or private network address.";
const SECRET_PATTERN = /^whsec_[A-Za-z0-9_-]{43}$/;
const ID_PATTERN = /^wh_[0-9a-f]{20}$/;

interface CreatedWebhook {
	id: string;
	url: string;
	events: string[];
	description: string | null;
	secret: string;
	createdAt: number;
}

async function createWebhook(body: Record<string, unknown>, key = h.seed.restApiKey): Promise<CreatedWebhook> {
	const res = await h.call("POST", "/v3/webhooks", { key, body });
	const json = (await readJSON(res)) as { data: CreatedWebhook };
	expect(res.status).toBe(200);
	return json.data;
}

function withoutSecret(webhook: CreatedWebhook): Omit<CreatedWebhook, "secret"> {
	const { secret: _secret, ...rest } = webhook;
	return rest;
}

describe("POST /v3/webhooks", () => {
	test("creates a webhook and shows its secret once, with no-store", async () => {
		const res = await h.call("POST", "/v3/webhooks", {
			key: h.seed.restApiKey,
			body: {
				url: "https://hooks.example.com/latchkey",
				events: ["login.succeeded", "token.revoked"],
				description: "SIEM",
			},
		});
		expect(res.headers.get("cache-control")).toBe("no-store");
		const body = (await readJSON(res)) as { data: CreatedWebhook };
		expect(res.status).toBe(200);
		expect(body).toEqual({
			data: {
				id: expect.stringMatching(ID_PATTERN),
				url: "https://hooks.example.com/latchkey",
				events: ["login.succeeded", "token.revoked"],
				description: "SIEM",
				secret: expect.stringMatching(SECRET_PATTERN),
				createdAt: T0,
			},
		});
		// Never shown again: not in the list, not in the single read.
		await expectResponse(await h.call("GET", `/v3.0/webhooks/${body.data.id}`, { key: h.seed.restApiKey }), 200, {
			data: withoutSecret(body.data),
		});
		const list = await h.call("GET", "/v3/webhooks", { key: h.seed.restApiKey });
		expect(JSON.stringify(await list.clone().json())).not.toContain(body.data.secret);
		await expectResponse(list, 200, {
			data: [withoutSecret(body.data)],
			meta: { pagination: { total: 1, count: 1, per_page: 1, current_page: 1, total_pages: 1 } },
		});
	});

	test('"*" subscribes to every event and stands alone; repeated types are kept once; description defaults to null', async () => {
		const all = await createWebhook({ url: "http://hooks.example.com/a", events: ["user.created", "*"] });
		expect(withoutSecret(all)).toEqual({
			id: all.id,
			url: "http://hooks.example.com/a",
			events: ["*"],
			description: null,
			createdAt: T0,
		});
		const some = await createWebhook({ url: "http://hooks.example.com/b", events: ["user.created", "user.created"] });
		expect(some.events).toEqual(["user.created"]);
	});

	test("an unknown event type is 400 and names the item", async () => {
		await expectError(
			await h.call("POST", "/v3/webhooks", {
				key: h.seed.restApiKey,
				body: { url: "https://hooks.example.com/", events: ["login.succeeded", "user.exploded"] },
			}),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{ "events.1": ["The selected events.1 is invalid."] },
		);
	});

	test("missing url and events are 400 with both named", async () => {
		await expectError(
			await h.call("POST", "/v3/webhooks", { key: h.seed.restApiKey, body: {} }),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{ url: ["The url field is required."], events: ["The events field is required."] },
		);
	});

	test("an empty events list is 400", async () => {
		await expectError(
			await h.call("POST", "/v3/webhooks", {
				key: h.seed.restApiKey,
				body: { url: "https://hooks.example.com/", events: [] },
			}),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{ events: ["The events must be at least 1."] },
		);
	});

	for (const [url, message] of [
		["ftp://hooks.example.com/", "The url must start with http:// or https://."],
		["javascript:alert(1)", "The url must start with http:// or https://."],
		["file:///etc/passwd", "The url must start with http:// or https://."],
		["not a url", "The url must be a valid URL."],
		["https://user:pass@hooks.example.com/", "The url may not contain a user name or password."],
	] as const) {
		test(`${url} is refused: ${message}`, async () => {
			await expectError(
				await h.call("POST", "/v3/webhooks", { key: h.seed.restApiKey, body: { url, events: ["*"] } }),
				400,
				"ERR_BAD_REQUEST",
				BAD_REQUEST,
				{ url: [message] },
			);
		});
	}

	// SSRF: loopback, link-local (cloud metadata), private and unique-local targets, however the address is spelled.
	for (const url of [
		"http://10.0.0.1/hook",
		"http://10.255.255.255/",
		"http://127.0.0.1:3000/v3/apikeys",
		"http://127.8.9.10/",
		"http://0x7f.1/",
		"http://2130706433/",
		"http://169.254.169.254/latest/meta-data/",
		"http://172.16.0.1/",
		"http://192.168.1.1/",
		"http://100.64.0.1/",
		"http://0.0.0.0/",
		"http://[::1]/",
		"http://[::]/",
		"http://[::ffff:127.0.0.1]/",
		"http://[fc00::1]/",
		"http://[fd12:3456::1]/",
		"http://[fe80::1]/",
		"http://localhost:8080/",
		"http://LOCALHOST./",
		"http://api.localhost/",
	]) {
		test(`${url} is refused as a private target`, async () => {
			await expectError(
				await h.call("POST", "/v3/webhooks", { key: h.seed.restApiKey, body: { url, events: ["*"] } }),
				400,
				"ERR_BAD_REQUEST",
				BAD_REQUEST,
				{ url: [PRIVATE] },
			);
			await expectResponse(await h.call("GET", "/v3/webhooks", { key: h.seed.restApiKey }), 200, {
				data: [],
				meta: { pagination: { total: 0, count: 0, per_page: 1, current_page: 1, total_pages: 1 } },
			});
		});
	}

	test("public addresses are accepted (v4 and v6)", async () => {
		expect((await createWebhook({ url: "http://93.184.216.34/", events: ["*"] })).url).toBe("http://93.184.216.34/");
		expect((await createWebhook({ url: "https://[2606:4700::1111]/x", events: ["*"] })).url).toBe(
			"https://[2606:4700::1111]/x",
		);
	});

	test(`the ${MAX_WEBHOOKS_PER_APP + 1}th webhook of an app is 403 ERR_PLAN_QUOTA_RESTRICTION`, async () => {
		for (let i = 0; i < MAX_WEBHOOKS_PER_APP; i++)
			await createWebhook({ url: `https://h.example.com/${i}`, events: ["*"] });
		await expectError(
			await h.call("POST", "/v3/webhooks", {
				key: h.seed.restApiKey,
				body: { url: "https://h.example.com/one-too-many", events: ["*"] },
			}),
			403,
			"ERR_PLAN_QUOTA_RESTRICTION",
			`The allowed limit of ${MAX_WEBHOOKS_PER_APP} webhooks for this app has been reached. Delete a webhook before creating another.`,
		);
		// Another app has its own allowance.
		const other = await createOtherApp(h);
		const res = await h.call("POST", "/v3/webhooks", {
			key: other.restApiKey,
			headers: { appid: other.app.id },
			body: { url: "https://h.example.com/other", events: ["*"] },
		});
		expect(res.status).toBe(200);
	});
});

describe("PUT and DELETE /v3/webhooks/{id}", () => {
	test("PUT changes url, events and description; the secret stays unshown", async () => {
		const created = await createWebhook({ url: "https://hooks.example.com/a", events: ["user.created"] });
		h.clock.advance(5_000);
		await expectResponse(
			await h.call("PUT", `/v3/webhooks/${created.id}`, {
				key: h.seed.restApiKey,
				body: { url: "https://hooks.example.com/b", events: ["token.revoked"], description: "moved" },
			}),
			200,
			{
				data: {
					id: created.id,
					url: "https://hooks.example.com/b",
					events: ["token.revoked"],
					description: "moved",
					createdAt: T0,
					updatedAt: T0 + 5,
				},
			},
		);
		const cleared = await h.call("PUT", `/v3/webhooks/${created.id}`, {
			key: h.seed.restApiKey,
			body: { description: null },
		});
		expect(((await readJSON(cleared)) as { data: { description: unknown } }).data.description).toBeNull();
	});

	test("PUT refuses a private url and an unknown event, and changes nothing", async () => {
		const created = await createWebhook({ url: "https://hooks.example.com/a", events: ["user.created"] });
		await expectError(
			await h.call("PUT", `/v3/webhooks/${created.id}`, {
				key: h.seed.restApiKey,
				body: { url: "http://169.254.169.254/" },
			}),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{ url: [PRIVATE] },
		);
		await expectError(
			await h.call("PUT", `/v3/webhooks/${created.id}`, { key: h.seed.restApiKey, body: { events: ["nope"] } }),
			400,
			"ERR_BAD_REQUEST",
			BAD_REQUEST,
			{ "events.0": ["The selected events.0 is invalid."] },
		);
		await expectResponse(await h.call("GET", `/v3/webhooks/${created.id}`, { key: h.seed.restApiKey }), 200, {
			data: withoutSecret(created),
		});
	});

	test("DELETE removes the webhook; then every route answers 404", async () => {
		const created = await createWebhook({ url: "https://hooks.example.com/a", events: ["*"] });
		await expectResponse(await h.call("DELETE", `/v3/webhooks/${created.id}`, { key: h.seed.restApiKey }), 200, {
			data: { success: true, message: `The webhook ${created.id} has been deleted successfully.` },
		});
		for (const [method, path] of [
			["GET", `/v3/webhooks/${created.id}`],
			["PUT", `/v3/webhooks/${created.id}`],
			["DELETE", `/v3/webhooks/${created.id}`],
			["GET", `/v3/webhooks/${created.id}/deliveries`],
		] as const) {
			await expectError(
				await h.call(method, path, { key: h.seed.restApiKey, ...(method === "PUT" && { body: { description: "x" } }) }),
				404,
				"ERR_API_NOT_FOUND",
				`The webhook ${created.id} does not exist.`,
			);
		}
	});

	test("other methods are 405 with Allow", async () => {
		const created = await createWebhook({ url: "https://hooks.example.com/a", events: ["*"] });
		const res = await h.call("PATCH", `/v3/webhooks/${created.id}`, { key: h.seed.restApiKey, body: {} });
		expect(res.headers.get("allow")).toBe("GET, PUT, DELETE, OPTIONS");
		await expectError(res, 405, "ERR_METHOD_NOT_ALLOWED", "The method PATCH is not allowed on this endpoint.", {
			allowed: ["GET", "PUT", "DELETE"],
		});
		const deliveries = await h.call("POST", `/v3/webhooks/${created.id}/deliveries`, { key: h.seed.restApiKey });
		await expectError(deliveries, 405, "ERR_METHOD_NOT_ALLOWED", "The method POST is not allowed on this endpoint.", {
			allowed: ["GET"],
		});
	});
});

describe("the outbox", () => {
	test("builds a delivery's body only for an event some webhook of its app wants", async () => {
		await createWebhook({ url: "https://hooks.example.com/a", events: ["user.created"] });
		const unwanted = (): string => {
			throw new Error("serialised an event no webhook wants");
		};
		const at = h.clock.now();
		const written = await insertWebhookDeliveries(h.store.db, [
			{ type: "user.deleted", appId: h.seed.app.id, createdAt: at, json: unwanted },
			{ type: "user.created", appId: "another-app", createdAt: at, json: unwanted },
			{ type: "user.created", appId: h.seed.app.id, createdAt: at, json: () => '{"id":"evt_1"}' },
		]);
		expect(written).toBe(1);
	});
});

describe("GET /v3/webhooks/{id}/deliveries", () => {
	test("lists the webhook's deliveries newest first, with status, attempts, last code and next retry", async () => {
		const created = await createWebhook({ url: "https://hooks.example.com/a", events: ["user.created"] });
		const at = h.clock.now();
		await insertWebhookDeliveries(h.store.db, [
			{ type: "user.created", appId: h.seed.app.id, createdAt: at, json: () => '{"id":"evt_1","type":"user.created"}' },
			// Not subscribed: no row.
			{ type: "user.deleted", appId: h.seed.app.id, createdAt: at, json: () => '{"id":"evt_2","type":"user.deleted"}' },
			{
				type: "user.created",
				appId: h.seed.app.id,
				createdAt: at + 1000,
				json: () => '{"id":"evt_3","type":"user.created"}',
			},
		]);
		const res = await h.call("GET", `/v3/webhooks/${created.id}/deliveries?perPage=1`, { key: h.seed.restApiKey });
		await expectResponse(res, 200, {
			data: [
				{
					id: expect.stringMatching(/^whd_[0-9a-f]{20}$/),
					eventId: "evt_3",
					eventType: "user.created",
					status: "pending",
					attempts: 0,
					lastResponseCode: null,
					lastAttemptAt: null,
					nextAttemptAt: T0 + 1,
					createdAt: T0 + 1,
				},
			],
			meta: { pagination: { total: 2, count: 1, per_page: 1, current_page: 1, total_pages: 2 } },
		});
	});
});

describe("scopes and cross-app isolation", () => {
	const routes = (id: string): Array<[string, string]> => [
		["POST", "/v3/webhooks"],
		["GET", "/v3/webhooks"],
		["GET", `/v3/webhooks/${id}`],
		["PUT", `/v3/webhooks/${id}`],
		["DELETE", `/v3/webhooks/${id}`],
		["GET", `/v3/webhooks/${id}/deliveries`],
	];

	test("every route refuses a missing key (401) and an Auth Key (403)", async () => {
		const created = await createWebhook({ url: "https://hooks.example.com/a", events: ["*"] });
		for (const [method, path] of routes(created.id)) {
			await expectError(
				await h.call(method, path),
				401,
				"AUTH_ERR_EMPTY_APIKEY",
				"The apiKey is missing in the headers.",
			);
			await expectError(
				await h.call(method, path, { key: h.seed.authKey }),
				403,
				"AUTH_ERR_NO_ACCESS",
				`The key ${credentialId(h.seed.authKey)}.******** cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
			);
		}
	});

	test("another app's REST key never sees, changes or deletes this app's webhook", async () => {
		const created = await createWebhook({ url: "https://hooks.example.com/a", events: ["*"] });
		const other = await createOtherApp(h);
		const asOther = { key: other.restApiKey, headers: { appid: other.app.id } };
		await expectResponse(await h.call("GET", "/v3/webhooks", asOther), 200, {
			data: [],
			meta: { pagination: { total: 0, count: 0, per_page: 1, current_page: 1, total_pages: 1 } },
		});
		for (const [method, path] of routes(created.id).slice(2)) {
			await expectError(
				await h.call(method, path, { ...asOther, ...(method === "PUT" && { body: { url: "https://evil.example/" } }) }),
				404,
				"ERR_API_NOT_FOUND",
				`The webhook ${created.id} does not exist.`,
			);
		}
		// This app's key with the other app's id is refused before any webhook is looked at.
		const crossed = await h.call("GET", `/v3/webhooks/${created.id}`, {
			key: h.seed.restApiKey,
			headers: { appid: other.app.id },
		});
		expect(crossed.status).toBe(401);
		await expectResponse(await h.call("GET", `/v3/webhooks/${created.id}`, { key: h.seed.restApiKey }), 200, {
			data: withoutSecret(created),
		});
	});

	test("an event of one app is queued for that app's webhooks only", async () => {
		const mine = await createWebhook({ url: "https://hooks.example.com/mine", events: ["*"] });
		const other = await createOtherApp(h);
		const res = await h.call("POST", "/v3/webhooks", {
			key: other.restApiKey,
			headers: { appid: other.app.id },
			body: { url: "https://hooks.example.com/theirs", events: ["*"] },
		});
		const theirs = ((await readJSON(res)) as { data: CreatedWebhook }).data;
		await insertWebhookDeliveries(h.store.db, [
			{ type: "user.created", appId: h.seed.app.id, createdAt: h.clock.now(), json: () => '{"id":"evt_mine"}' },
		]);
		const count = async (appId: string, key: string, id: string): Promise<number> => {
			const list = await h.call("GET", `/v3/webhooks/${id}/deliveries`, { key, headers: { appid: appId } });
			return ((await readJSON(list)) as { meta: { pagination: { total: number } } }).meta.pagination.total;
		};
		expect(await count(h.seed.app.id, h.seed.restApiKey, mine.id)).toBe(1);
		expect(await count(other.app.id, other.restApiKey, theirs.id)).toBe(0);
	});
});

describe("the signing secret at rest", () => {
	test("is sealed under LATCHKEY_TOKEN_ENCRYPTION_KEY's cipher when the server has one", async () => {
		const sealed = await createHarness({ tokenCipher: createTokenCipher(Buffer.alloc(32, 7)) });
		try {
			const res = await sealed.call("POST", "/v3/webhooks", {
				key: sealed.seed.restApiKey,
				body: { url: "https://hooks.example.com/", events: ["*"] },
			});
			const { id, secret } = ((await readJSON(res)) as { data: CreatedWebhook }).data;
			const row = await sealed.store.db
				.selectFrom("webhooks")
				.selectAll()
				.where("id", "=", id)
				.executeTakeFirstOrThrow();
			expect(row.secret.startsWith("v1.")).toBe(true);
			expect(row.secret).not.toContain(secret.slice("whsec_".length));
		} finally {
			await sealed.close();
		}
	});

	test("is stored as is without one (docs/security.md says so)", async () => {
		const { id, secret } = await createWebhook({ url: "https://hooks.example.com/", events: ["*"] });
		const row = await h.store.db.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
		expect(row.secret).toBe(secret);
	});
});

describe("an app's deletion", () => {
	test("takes its webhooks and their deliveries with it, and leaves another app's", async () => {
		const mine = await createWebhook({ url: "https://hooks.example.com/mine", events: ["*"] });
		const other = await createOtherApp(h);
		const res = await h.call("POST", "/v3/webhooks", {
			key: other.restApiKey,
			headers: { appid: other.app.id },
			body: { url: "https://hooks.example.com/theirs", events: ["*"] },
		});
		const theirs = ((await readJSON(res)) as { data: CreatedWebhook }).data;
		await insertWebhookDeliveries(h.store.db, [
			{ type: "user.created", appId: h.seed.app.id, createdAt: h.clock.now(), json: () => '{"id":"evt_a"}' },
			{ type: "user.created", appId: other.app.id, createdAt: h.clock.now(), json: () => '{"id":"evt_b"}' },
		]);
		expect(await h.store.deleteApp(h.seed.app.id)).not.toBeNull();
		const webhooks = await h.store.db.selectFrom("webhooks").select("id").execute();
		const deliveries = await h.store.db.selectFrom("webhook_deliveries").select("webhook_id").execute();
		expect(webhooks.map((row) => row.id)).toEqual([theirs.id]);
		expect(deliveries.map((row) => row.webhook_id)).toEqual([theirs.id]);
		expect(await h.store.getWebhook(h.seed.app.id, mine.id)).toBeNull();
	});
});
