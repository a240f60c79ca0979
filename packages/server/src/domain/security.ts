import { z } from "zod";
import type { AppRecord, StoredSecuritySettings } from "../store/store.ts";
import type { DomainDeps } from "./deps.ts";
import { LatchkeyError } from "./errors.ts";
import { endSampleUserSessions } from "./sample-users.ts";
import { uidSchema } from "./users.ts";
import { parseInput } from "./validation.ts";

/**
 * An app's security settings (issue 15, `GET`/`PUT /v3/security`): each one setting away from CometChat's
 * behaviour, which every default keeps. docs/security.md "Session controls" has each with its ASVS reference.
 */
export interface SecuritySettings {
	/** A token unused for this long is refused (null: never). */
	tokenIdleTimeoutSeconds: number | null;
	/** A token older than this is refused, used or not (null: never). */
	tokenMaxLifetimeSeconds: number | null;
	/** Whether the Auth Key may log users in and create them: all uids, none, or the allowlists'. */
	authKeyLogin: "enabled" | "disabled" | "allowlist";
	authKeyUidAllowlist: string[];
	/** Browser origins an Auth Key login may come from under "allowlist"; empty: any. */
	authKeyOriginAllowlist: string[];
	productionMode: boolean;
	tokenStorage: "hashed" | "retrievable";
}

export const DEFAULT_SECURITY_SETTINGS: Readonly<SecuritySettings> = Object.freeze({
	tokenIdleTimeoutSeconds: null,
	tokenMaxLifetimeSeconds: null,
	authKeyLogin: "enabled",
	authKeyUidAllowlist: [],
	authKeyOriginAllowlist: [],
	productionMode: false,
	tokenStorage: "hashed",
});

/** Ten years: longer timeouts are "never" in all but name, and a mistyped unit is refused rather than kept. */
const MAX_TIMEOUT_SECONDS = 10 * 365 * 24 * 3600;
const MAX_ALLOWLIST_ITEMS = 1000;

const timeoutSchema = z.number().int().min(60).max(MAX_TIMEOUT_SECONDS).nullable();

/** A browser origin as the `Origin` header carries it: scheme, host and an optional port; nothing more. */
const originSchema = z
	.string()
	.max(300)
	.regex(/^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$/, {
		message: "The authKeyOriginAllowlist items must be origins such as https://app.example.com.",
	})
	.transform((origin) => origin.toLowerCase());

export const securitySettingsSchema = z.object({
	tokenIdleTimeoutSeconds: timeoutSchema.optional(),
	tokenMaxLifetimeSeconds: timeoutSchema.optional(),
	// null: back to the default, which follows production mode.
	authKeyLogin: z.enum(["enabled", "disabled", "allowlist"]).nullable().optional(),
	authKeyUidAllowlist: z.array(uidSchema).max(MAX_ALLOWLIST_ITEMS).optional(),
	authKeyOriginAllowlist: z.array(originSchema).max(MAX_ALLOWLIST_ITEMS).optional(),
	productionMode: z.boolean().optional(),
	tokenStorage: z.enum(["hashed", "retrievable"]).optional(),
});

const SETTING_NAMES: ReadonlySet<string> = new Set(Object.keys(securitySettingsSchema.shape));

/**
 * The settings in force for an app: what it set, else the defaults, where `productionMode` turns Auth Key
 * logins off unless `authKeyLogin` was set explicitly.
 */
export function securityOf(app: AppRecord): SecuritySettings {
	const stored = app.security ?? {};
	const settings: SecuritySettings = { ...DEFAULT_SECURITY_SETTINGS, ...stored };
	if (settings.productionMode && stored.authKeyLogin === undefined) settings.authKeyLogin = "disabled";
	return settings;
}

/**
 * Changes the settings named in `input` (the others keep their values) and publishes `app.updated`, so every
 * node's cached app, and with it every decision taken from these settings, follows at once.
 *
 * @example
 * await updateSecuritySettings(deps, appId, { tokenIdleTimeoutSeconds: 86_400 });
 */
export async function updateSecuritySettings(
	deps: DomainDeps,
	app: AppRecord,
	input: unknown,
): Promise<SecuritySettings> {
	refuseUnknownSettings(input);
	const changes = parseInput(securitySettingsSchema, input);
	if (changes.tokenStorage === "retrievable" && !deps.tokenCipher) {
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			tokenStorage: [
				"Retrievable token storage needs LATCHKEY_TOKEN_ENCRYPTION_KEY, which this server is not configured with.",
			],
		});
	}
	const stored: StoredSecuritySettings = { ...app.security };
	for (const [name, value] of Object.entries(changes)) {
		if (name === "authKeyLogin" && value === null) delete stored.authKeyLogin;
		else if (value !== undefined) (stored as Record<string, unknown>)[name] = value;
	}
	const updated = await deps.store.setAppSecurity(app.id, stored);
	if (!updated) throw new LatchkeyError("AUTH_ERR_INVALID_APPID", `The appId ${app.id} does not exist.`);
	await deps.events.publish({ type: "app.updated", appId: app.id });
	// The settings hold no secret: the changes themselves are the record.
	await deps.audit?.record({ type: "security.updated", appId: app.id, subject: app.id, details: { changes } });
	if (securityOf(updated).productionMode && !securityOf(app).productionMode) await endSampleUserSessions(deps, updated);
	// Back to hashed: what was kept retrievable is dropped, never to be answered again.
	if (securityOf(updated).tokenStorage === "hashed" && securityOf(app).tokenStorage === "retrievable") {
		await deps.store.dropAuthTokenCiphertexts(app.id);
	}
	return securityOf(updated);
}

function refuseUnknownSettings(input: unknown): void {
	if (input === null || typeof input !== "object" || Array.isArray(input)) return;
	const unknown = Object.keys(input).filter((name) => !SETTING_NAMES.has(name));
	if (unknown.length === 0) return;
	const details = Object.fromEntries(unknown.map((name) => [name, [`The ${name} field is not a security setting.`]]));
	throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", details);
}

/** Where an Auth Key request comes from and whom it names, for the guardrails below. */
export interface AuthKeyUse {
	/** The uid the request logs in, creates or updates (already lower-case); null when it names none. */
	uid: string | null;
	/** The request's `Origin` header (browsers send it); null when absent. */
	origin: string | null;
}

/**
 * The Auth Key guardrails: under `authKeyLogin: "disabled"` (also implied by production mode) an Auth Key can do
 * nothing; under `"allowlist"` only the listed uids, and, when origins are listed, only from a listed browser
 * origin. Throws 403 AUTH_ERR_NO_ACCESS with `details.reason`; a REST API key is never checked here.
 */
export function assertAuthKeyAllowed(app: AppRecord, use: AuthKeyUse): void {
	const settings = securityOf(app);
	if (settings.authKeyLogin === "enabled") return;
	if (settings.authKeyLogin === "disabled") {
		throw new LatchkeyError(
			"AUTH_ERR_NO_ACCESS",
			"The Auth Key is disabled for this app: log users in with auth tokens your backend creates with a REST API key.",
			{ reason: "authKeyDisabled" },
		);
	}
	if (use.uid !== null && !settings.authKeyUidAllowlist.includes(use.uid)) {
		throw new LatchkeyError("AUTH_ERR_NO_ACCESS", `The Auth Key may not be used for the UID ${use.uid} in this app.`, {
			reason: "uidNotAllowed",
		});
	}
	const origins = settings.authKeyOriginAllowlist;
	if (origins.length > 0 && (use.origin === null || !origins.includes(use.origin.toLowerCase()))) {
		throw new LatchkeyError("AUTH_ERR_NO_ACCESS", "The Auth Key may not be used from this origin in this app.", {
			reason: "originNotAllowed",
		});
	}
}
