import { createHmac, timingSafeEqual } from "node:crypto";

/** The prefix of a webhook signing secret, so that one found in a log or a repository is recognisable. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

/** How far a signature's `t` may be from the receiver's clock before it refuses the delivery (docs/webhooks.md). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** `hex(HMAC-SHA-256(secret, "<t>.<body>"))`: what `v1=` carries. */
export function computeWebhookSignature(secret: string, timestampSeconds: number, body: string): string {
	return createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
}

/** The `Latchkey-Signature` header of a delivery sent at `timestampSeconds`. */
export function signWebhookPayload(secret: string, timestampSeconds: number, body: string): string {
	return `t=${timestampSeconds},v1=${computeWebhookSignature(secret, timestampSeconds, body)}`;
}

/**
 * What a receiver does (docs/webhooks.md shows the same in ten lines): true when the header carries a `v1`
 * signature of `body` under `secret` and its `t` is within the tolerance of `nowSeconds`.
 */
export function verifyWebhookSignature(
	secret: string,
	header: string,
	body: string,
	nowSeconds: number,
	options: { toleranceSeconds?: number } = {},
): boolean {
	const parts = new Map<string, string[]>();
	for (const item of header.split(",")) {
		const eq = item.indexOf("=");
		if (eq <= 0) continue;
		const key = item.slice(0, eq).trim();
		parts.set(key, [...(parts.get(key) ?? []), item.slice(eq + 1).trim()]);
	}
	const t = Number(parts.get("t")?.[0]);
	if (!Number.isInteger(t)) return false;
	if (Math.abs(nowSeconds - t) > (options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return false;
	const expected = Buffer.from(computeWebhookSignature(secret, t, body), "hex");
	// Constant-time comparison, so a forger learns nothing from how long a refusal takes.
	return (parts.get("v1") ?? []).some((candidate) => {
		const actual = Buffer.from(candidate, "hex");
		return actual.length === expected.length && timingSafeEqual(actual, expected);
	});
}
