import { html, raw } from "hono/html";
import { LatchkeyError } from "../domain/errors.ts";
import type { UserRecord } from "../store/store.ts";
import { csrfField, type FieldErrors, fieldError, type Html, invalidAttributes } from "./layout.ts";

/** The text fields of the user form, as typed. */
export interface UserFormValues {
	uid: string;
	name: string;
	avatar: string;
	link: string;
	role: string;
	statusMessage: string;
	metadata: string;
	tags: string;
}

export function userFormValues(form: Record<string, string>): UserFormValues {
	return {
		uid: form.uid ?? "",
		name: form.name ?? "",
		avatar: form.avatar ?? "",
		link: form.link ?? "",
		role: form.role ?? "",
		statusMessage: form.statusMessage ?? "",
		metadata: form.metadata ?? "",
		tags: form.tags ?? "",
	};
}

export function userFormValuesOf(user: UserRecord): UserFormValues {
	return {
		uid: user.uid,
		name: user.name,
		avatar: user.avatar ?? "",
		link: user.link ?? "",
		role: user.role,
		statusMessage: user.statusMessage ?? "",
		metadata: user.metadata ? JSON.stringify(user.metadata, null, 2) : "",
		tags: user.tags.join(", "),
	};
}

function parseMetadata(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		throw new LatchkeyError("ERR_BAD_REQUEST", "Failed to validate the data sent with the request.", {
			metadata: ['The metadata must be a JSON object, e.g. {"plan": "pro"}.'],
		});
	}
}

/**
 * The form as a REST-shaped body for createUser/updateUser, which do all the validating. Blank optional
 * fields are left out on create and unset on edit.
 */
export function userInput(values: UserFormValues, mode: "create" | "edit"): Record<string, unknown> {
	const input: Record<string, unknown> = { name: values.name };
	const unset: string[] = [];
	if (mode === "create") input.uid = values.uid.trim();
	for (const field of ["avatar", "link"] as const) {
		const value = values[field].trim();
		if (value) input[field] = value;
		else unset.push(field);
	}
	if (values.role.trim()) input.role = values.role.trim();
	// statusMessage cannot be unset over the REST API either; a blank field leaves it as it was.
	if (values.statusMessage.trim()) input.statusMessage = values.statusMessage.trim();
	if (values.metadata.trim()) input.metadata = parseMetadata(values.metadata);
	else unset.push("metadata");
	const tags = values.tags
		.split(",")
		.map((tag) => tag.trim())
		.filter(Boolean);
	if (tags.length > 0 || mode === "edit") input.tags = tags;
	if (mode === "edit" && unset.length > 0) input.unset = unset;
	return input;
}

export function renderUserFields(
	values: UserFormValues,
	fields: FieldErrors,
	options: { csrfToken: string; mode: "create" | "edit" },
): Html {
	const text = (name: keyof UserFormValues, label: string, hint: string, attributes: { required?: true } = {}): Html =>
		html`<label for="${name}">${label}${hint ? html` <span class="hint">${hint}</span>` : ""}</label>
		<input id="${name}" name="${name}" type="text" value="${values[name]}"${attributes.required ? raw(" required") : ""}${invalidAttributes(fields, name)}>
		${fieldError(fields, name)}`;
	return html`${csrfField(options.csrfToken)}
		${
			options.mode === "create"
				? text("uid", "UID", "Letters, numbers, - and _; stored lower-case; cannot be changed later.", {
						required: true,
					})
				: ""
		}
		${text("name", "Name", "", { required: true })}
		${text("avatar", "Avatar URL", "Optional.")}
		${text("link", "Profile link", "Optional.")}
		${text("role", "Role", "Optional; “default” when blank.")}
		${text("statusMessage", "Status message", "Optional.")}
		${text("tags", "Tags", "Optional, separated by commas.")}
		<label for="metadata">Metadata <span class="hint">Optional JSON object, at most 5 KB.</span></label>
		<textarea id="metadata" name="metadata" spellcheck="false"${invalidAttributes(fields, "metadata")}>${values.metadata}</textarea>
		${fieldError(fields, "metadata")}`;
}
