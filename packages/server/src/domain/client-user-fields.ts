import { z } from "zod";
import type { AppRecord, ClientUserField } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { parseInput } from "./validation.ts";

/** Every optional user field an app may show to its clients, in the order the REST answer has them. */
export const CLIENT_USER_FIELDS: readonly ClientUserField[] = [
	"link",
	"avatar",
	"metadata",
	"statusMessage",
	"createdAt",
	"updatedAt",
	"tags",
	"lastActiveAt",
];

/**
 * What a client sees of other users unless its app says otherwise: CometChat's public profile, without
 * `metadata` (apps keep emails and phone numbers there). `uid`, `name`, `status` and `role` always show.
 */
export const DEFAULT_CLIENT_USER_FIELDS: readonly ClientUserField[] = CLIENT_USER_FIELDS.filter(
	(field) => field !== "metadata",
);

export const clientUserFieldsSchema = z.object({
	clientUserFields: z
		.array(z.enum(CLIENT_USER_FIELDS as [ClientUserField, ...ClientUserField[]]))
		.max(CLIENT_USER_FIELDS.length)
		.nullable(),
});

/** The fields this app's clients may read. */
export function getClientUserFields(app: AppRecord): readonly ClientUserField[] {
	return app.clientUserFields ?? DEFAULT_CLIENT_USER_FIELDS;
}

/**
 * Sets which optional user fields the app's clients may read (`null`: back to the default). Publishes
 * `app.updated`, so every node's cached app follows.
 *
 * @example
 * await setClientUserFields(deps, appId, { clientUserFields: [...DEFAULT_CLIENT_USER_FIELDS, "metadata"] });
 */
export async function setClientUserFields(deps: DomainDeps, appId: string, input: unknown): Promise<AppRecord> {
	const { clientUserFields } = parseInput(clientUserFieldsSchema, input);
	const fields = clientUserFields === null ? null : CLIENT_USER_FIELDS.filter((f) => clientUserFields.includes(f));
	const app = await deps.store.setAppClientUserFields(appId, fields);
	if (!app) throw new LatchkeyError("AUTH_ERR_INVALID_APPID", `The appId ${appId} does not exist.`);
	await deps.events.publish({ type: "app.updated", appId });
	return app;
}
