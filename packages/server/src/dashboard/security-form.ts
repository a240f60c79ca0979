import { LatchkeyError } from "../domain/errors.ts";
import type { SecuritySettings } from "../domain/security.ts";
import type { FieldErrors } from "./layout.ts";

/** The units a timeout may be typed in; what is saved is always whole seconds, the domain's value. */
export const TIMEOUT_UNITS = [
	{ name: "minutes", seconds: 60 },
	{ name: "hours", seconds: 3600 },
	{ name: "days", seconds: 86_400 },
	{ name: "seconds", seconds: 1 },
] as const;

export type TimeoutField = "tokenIdleTimeoutSeconds" | "tokenMaxLifetimeSeconds";

/** The security form as typed: a timeout is an amount and a unit (blank amount: never), a list one item a line. */
export interface SecurityFormValues {
	tokenIdleTimeoutSeconds: { amount: string; unit: string };
	tokenMaxLifetimeSeconds: { amount: string; unit: string };
	authKeyLogin: string;
	authKeyUidAllowlist: string;
	authKeyOriginAllowlist: string;
	productionMode: boolean;
	tokenStorage: string;
}

/** A timeout in the largest unit that holds it exactly, so the form shows "1 days" rather than "86400 seconds". */
function timeoutFormValue(seconds: number | null): { amount: string; unit: string } {
	if (seconds === null) return { amount: "", unit: "hours" };
	const unit = [...TIMEOUT_UNITS].sort((a, b) => b.seconds - a.seconds).find((u) => seconds % u.seconds === 0);
	const chosen = unit ?? { name: "seconds", seconds: 1 };
	return { amount: String(seconds / chosen.seconds), unit: chosen.name };
}

export function securityFormValuesOf(settings: SecuritySettings): SecurityFormValues {
	return {
		tokenIdleTimeoutSeconds: timeoutFormValue(settings.tokenIdleTimeoutSeconds),
		tokenMaxLifetimeSeconds: timeoutFormValue(settings.tokenMaxLifetimeSeconds),
		authKeyLogin: settings.authKeyLogin,
		authKeyUidAllowlist: settings.authKeyUidAllowlist.join("\n"),
		authKeyOriginAllowlist: settings.authKeyOriginAllowlist.join("\n"),
		productionMode: settings.productionMode,
		tokenStorage: settings.tokenStorage,
	};
}

export function securityFormValues(form: Record<string, string>): SecurityFormValues {
	return {
		tokenIdleTimeoutSeconds: { amount: form.tokenIdleTimeout ?? "", unit: form.tokenIdleTimeoutUnit ?? "" },
		tokenMaxLifetimeSeconds: { amount: form.tokenMaxLifetime ?? "", unit: form.tokenMaxLifetimeUnit ?? "" },
		authKeyLogin: form.authKeyLogin ?? "",
		authKeyUidAllowlist: form.authKeyUidAllowlist ?? "",
		authKeyOriginAllowlist: form.authKeyOriginAllowlist ?? "",
		// An unticked checkbox sends nothing.
		productionMode: form.productionMode === "1",
		tokenStorage: form.tokenStorage ?? "",
	};
}

function refuse(field: string, message: string): never {
	throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
		[field]: [message],
	});
}

/** Whole seconds, or null for a blank amount; the domain checks the bounds and gives its own message. */
function timeoutSeconds(field: TimeoutField, value: { amount: string; unit: string }): number | null {
	const amount = value.amount.trim();
	if (amount === "") return null;
	const unit = TIMEOUT_UNITS.find((u) => u.name === value.unit);
	if (!unit) refuse(field, "Choose minutes, hours, days or seconds.");
	if (!/^\d{1,12}$/.test(amount)) refuse(field, `Enter a whole number of ${unit.name}, or leave it empty for never.`);
	return Number(amount) * unit.seconds;
}

function listItems(text: string): string[] {
	return text
		.split(/\r?\n/)
		.map((item) => item.trim())
		.filter((item) => item !== "");
}

/**
 * The settings the operator changed, as `updateSecuritySettings` input: only those differing from the settings in
 * force. Sending an unchanged `authKeyLogin` would make it explicit, and production mode would then no longer turn
 * it off; the other settings are left to whoever changes them elsewhere.
 */
export function securityChanges(values: SecurityFormValues, current: SecuritySettings): Record<string, unknown> {
	const submitted: Record<string, unknown> = {
		tokenIdleTimeoutSeconds: timeoutSeconds("tokenIdleTimeoutSeconds", values.tokenIdleTimeoutSeconds),
		tokenMaxLifetimeSeconds: timeoutSeconds("tokenMaxLifetimeSeconds", values.tokenMaxLifetimeSeconds),
		authKeyLogin: values.authKeyLogin,
		authKeyUidAllowlist: listItems(values.authKeyUidAllowlist),
		authKeyOriginAllowlist: listItems(values.authKeyOriginAllowlist),
		productionMode: values.productionMode,
		tokenStorage: values.tokenStorage,
	};
	const changes: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(submitted)) {
		const inForce = (current as unknown as Record<string, unknown>)[name];
		if (JSON.stringify(value) !== JSON.stringify(inForce)) changes[name] = value;
	}
	return changes;
}

/**
 * The domain names a list item's error by its index (`authKeyOriginAllowlist.2`); beside the textarea it is shown
 * under the list's own name, quoting the line it is about.
 */
export function groupListErrors(fields: FieldErrors, values: SecurityFormValues): FieldErrors {
	const grouped: FieldErrors = {};
	for (const [key, messages] of Object.entries(fields)) {
		const match = /^(authKeyUidAllowlist|authKeyOriginAllowlist)\.(\d+)$/.exec(key);
		if (!match) {
			grouped[key] = [...(grouped[key] ?? []), ...messages];
			continue;
		}
		const list = match[1] as "authKeyUidAllowlist" | "authKeyOriginAllowlist";
		const item = listItems(values[list])[Number(match[2])];
		const quoted = messages.map((message) => (item === undefined ? message : `“${item}”: ${message}`));
		grouped[list] = [...(grouped[list] ?? []), ...quoted];
	}
	return grouped;
}
