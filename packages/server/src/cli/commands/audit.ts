import { listAuditEvents, parseAuditQuery } from "../../audit/audit-query.ts";
import { LatchkeyError } from "../../domain/errors.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { printTable } from "../output.ts";
import { selectApp } from "../select-app.ts";

export const SPEC: CommandSpec = {
	name: "audit",
	summary: "Show an app's audit log, newest first: logins, tokens, users, keys and settings, with who and from where.",
	appScoped: true,
	actions: [
		{
			name: "",
			arguments: [],
			summary:
				'Show an app\'s audit log, newest first (docs/api.md "Audit log"): logins and their failures, tokens created and revoked, users, API keys and settings changed, with who did it and from where.',
			options: {
				type: { type: "string", value: "TYPE", description: "only events of this type (e.g. login.failed)" },
				uid: { type: "string", value: "UID", description: "only events about this user" },
				since: {
					type: "string",
					value: "TIME",
					description: "only events since TIME: 30m, 24h, 7d ago, an ISO 8601 date or date-time, or unix ms",
				},
				until: { type: "string", value: "TIME", description: "only events before TIME (as --since)" },
				limit: { type: "string", value: "N", description: "at most N events, 1-100 (default 50)" },
				cursor: {
					type: "string",
					value: "CURSOR",
					description: "the page after the one whose --json answer gave this meta.cursor.next",
				},
			},
		},
	],
};

const AGO_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `24h`, `7d`: that long before now, in unix ms; anything else as given (the query parser checks it). */
function resolveTime(value: string | undefined, now: number): string | undefined {
	const ago = value === undefined ? null : /^(\d{1,6})([mhd])$/.exec(value);
	if (!ago) return value;
	return String(now - Number(ago[1]) * (AGO_UNITS_MS[ago[2] as string] as number));
}

/** `latchkey audit`. */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	const deps = await context.openDomain();
	const app = await selectApp(deps, context, invocation.appId);
	const now = deps.clock.now();
	const options: Record<string, string | undefined> = {
		type: invocation.string("type"),
		uid: invocation.string("uid"),
		since: resolveTime(invocation.string("since"), now),
		until: resolveTime(invocation.string("until"), now),
		limit: invocation.string("limit"),
		cursor: invocation.string("cursor"),
	};
	let query: ReturnType<typeof parseAuditQuery>;
	try {
		query = parseAuditQuery((name) => options[name]);
	} catch (error) {
		// The API's message names the query parameter; here it is an option.
		if (error instanceof LatchkeyError && error.code === "ERR_BAD_REQUEST") {
			const [field, messages] = Object.entries(error.details)[0] ?? ["", []];
			throw new LatchkeyError("ERR_BAD_REQUEST", `--${field}: ${(messages as string[])[0] ?? "invalid"}`);
		}
		throw error;
	}
	const { events, next } = await listAuditEvents(deps, app.id, query);
	if (invocation.json) {
		printTable(context, true, events as unknown as Array<Record<string, unknown>>, [], { meta: { cursor: { next } } });
		return 0;
	}
	const rows = events.map((event) => ({
		time: new Date(event.createdAt).toISOString(),
		type: event.type,
		subject: event.subject,
		actor: event.actor.id === null ? event.actor.kind : `${event.actor.kind} ${event.actor.id}`,
		ip: event.ip,
		details: Object.keys(event.details).length > 0 ? event.details : null,
	}));
	printTable(context, false, rows, ["time", "type", "subject", "actor", "ip", "details"]);
	return 0;
};
