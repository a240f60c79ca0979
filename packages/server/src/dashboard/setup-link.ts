import type { DomainDeps } from "../domain/deps.ts";
import { issueSetupToken } from "../domain/operator-setup.ts";
import { BASE } from "./layout.ts";

/**
 * For start-up: on an install with no operator yet, a fresh one-time link that creates the first one
 * (valid for 24 hours, stored hashed); null once an operator exists. The link is a credential: print it
 * to the console, keep it out of structured logs.
 *
 * @example
 * const link = await ensureSetupLink(deps, config.publicURL);
 * if (link) console.log(`Create the first dashboard operator: ${link}`);
 */
export async function ensureSetupLink(deps: DomainDeps, publicURL: string): Promise<string | null> {
	const token = await issueSetupToken(deps);
	if (token === null) return null;
	return `${publicURL.replace(/\/+$/, "")}${BASE}/setup?token=${encodeURIComponent(token)}`;
}
