import type { DomainDeps } from "../domain/deps.ts";
import { clientAddress } from "../web/client-address.ts";
import type { AuditContext } from "./audit-event.ts";

/** The deps with the audit recorder bound to `context`; the same deps when nothing is recorded. */
export function withAuditContext<T extends DomainDeps>(deps: T, context: AuditContext): T {
	return deps.audit ? { ...deps, audit: deps.audit.bind(context) } : deps;
}

/** What asOperator reads of a dashboard request (hono's Context with the dashboard's variables). */
interface OperatorRequest {
	get(key: "operatorSession"): { operator: { id: string } };
	req: { header(name: string): string | undefined };
	env?: { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
}

/**
 * The deps of one dashboard request that changes something: audited as the signed-in operator, from the client's
 * address (behind a trusted proxy, its X-Forwarded-For entry) and user agent.
 */
export function asOperator<T extends DomainDeps & { dashboard?: { trustProxy?: boolean } }>(
	deps: T,
	c: OperatorRequest,
): T {
	if (!deps.audit) return deps;
	const address = clientAddress({
		remoteAddress: c.env?.incoming?.socket?.remoteAddress,
		forwardedFor: c.req.header("x-forwarded-for"),
		trustProxy: deps.dashboard?.trustProxy ?? false,
	});
	return withAuditContext(deps, {
		actor: { kind: "operator", id: c.get("operatorSession").operator.id },
		ip: address === "unknown" ? null : address,
		userAgent: c.req.header("user-agent") ?? null,
	});
}
