import { Hono } from "hono";
import { presentPagination } from "../../domain/presenters.ts";
import type { AppDeps } from "../../web/deps.ts";
import {
	createWebhook,
	deleteWebhook,
	getWebhook,
	listWebhookDeliveries,
	listWebhooks,
	presentWebhook,
	presentWebhookDelivery,
	updateWebhook,
	type WebhookSettings,
} from "../../webhooks/webhooks.ts";
import { readJSONBody } from "../body.ts";
import type { Env } from "../context.ts";
import { refuseOtherMethods } from "../method-not-allowed.ts";
import { FULL_ACCESS, requireApiKey } from "../middleware/auth.ts";
import { NO_STORE } from "../middleware/security-headers.ts";
import { parsePageParams } from "../query.ts";
import { auditedDeps } from "./audit-log.ts";

export const MAX_WEBHOOK_DELIVERIES_PER_PAGE = 100;

/** What the webhook routes read beside AppDeps: the server passes `webhooks` (LATCHKEY_WEBHOOK_ALLOW_PRIVATE). */
export interface WebhookRouteDeps extends AppDeps {
	webhooks?: WebhookSettings;
}

/** `/webhooks` (issue 16): an app's webhook endpoints and their deliveries, with the REST API Key only. */
export function webhooksRoutes(deps: WebhookRouteDeps): Hono<Env> {
	const settings: WebhookSettings = deps.webhooks ?? { allowPrivate: false };
	const router = new Hono<Env>();
	router.use("/webhooks/*", requireApiKey(deps, FULL_ACCESS));

	router.post("/webhooks", async (c) => {
		const { webhook, secret } = await createWebhook(
			auditedDeps(c, deps),
			c.get("app").id,
			await readJSONBody(c),
			settings,
		);
		// The secret is in this answer only: nothing may cache it.
		return c.json({ data: presentWebhook(webhook, secret) }, 200, NO_STORE);
	});

	router.get("/webhooks", async (c) => {
		const webhooks = await listWebhooks(deps, c.get("app").id);
		return c.json({
			data: webhooks.map((webhook) => presentWebhook(webhook)),
			meta: { pagination: presentPagination(webhooks.length, webhooks.length, Math.max(1, webhooks.length), 1) },
		});
	});
	refuseOtherMethods(router, "/webhooks", ["GET", "POST"]);

	router.get("/webhooks/:webhookId", async (c) => {
		return c.json({ data: presentWebhook(await getWebhook(deps, c.get("app").id, c.req.param("webhookId"))) });
	});

	router.put("/webhooks/:webhookId", async (c) => {
		const body = await readJSONBody(c);
		const webhook = await updateWebhook(deps, c.get("app").id, c.req.param("webhookId"), body, settings);
		return c.json({ data: presentWebhook(webhook) });
	});

	router.delete("/webhooks/:webhookId", async (c) => {
		const webhook = await deleteWebhook(auditedDeps(c, deps), c.get("app").id, c.req.param("webhookId"));
		return c.json({
			data: { success: true, message: `The webhook ${webhook.id} has been deleted successfully.` },
		});
	});
	refuseOtherMethods(router, "/webhooks/:webhookId", ["GET", "PUT", "DELETE"]);

	router.get("/webhooks/:webhookId/deliveries", async (c) => {
		const page = parsePageParams((name) => c.req.query(name), MAX_WEBHOOK_DELIVERIES_PER_PAGE);
		const result = await listWebhookDeliveries(deps, c.get("app").id, c.req.param("webhookId"), {
			limit: page.limit,
			offset: page.offset,
		});
		return c.json({
			data: result.items.map(presentWebhookDelivery),
			meta: { pagination: presentPagination(result.total, result.items.length, page.perPage, page.page) },
		});
	});
	refuseOtherMethods(router, "/webhooks/:webhookId/deliveries", ["GET"]);

	return router;
}
