import { expect, test } from "vitest";
import { generateCredential, parseCredential, verifySecret } from "./secrets.ts";

test("generateCredential() never repeats an id or a secret, across many refills of its random block", () => {
	const ids = new Set<string>();
	const secrets = new Set<string>();
	// 42 random bytes each: 1,000 credentials draw about ten 4 KB blocks.
	for (let i = 0; i < 1000; i++) {
		const credential = generateCredential("lkat_");
		const parsed = parseCredential("lkat_", credential.plaintext);
		expect(parsed?.id).toBe(credential.id);
		expect(credential.id).toMatch(/^lkat_[0-9a-f]{20}$/);
		expect(parsed?.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(verifySecret(parsed?.secret ?? "", credential.secretHash)).toBe(true);
		ids.add(credential.id);
		secrets.add(parsed?.secret ?? "");
	}
	expect(ids.size).toBe(1000);
	expect(secrets.size).toBe(1000);
});

test("verifySecret() refuses a wrong secret and a malformed hash", () => {
	const credential = generateCredential("lkak_");
	expect(verifySecret("not-the-secret", credential.secretHash)).toBe(false);
	expect(verifySecret("x", "abc")).toBe(false);
});
