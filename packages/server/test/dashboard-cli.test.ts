import { afterEach, expect, test } from "vitest";
import { createAdminCommand } from "../src/cli/commands/admin.ts";
import type { CommandContext } from "../src/cli/context.ts";
import { UsageError } from "../src/cli/output.ts";
import { readConfig } from "../src/config.ts";
import { argon2PasswordHasher } from "../src/domain/operator-passwords.ts";
import { signInOperator } from "../src/domain/operators.ts";
import { FAST_HASHER } from "./dashboard-support.ts";
import { createHarness, type Harness } from "./harness.ts";

let h: Harness;
afterEach(async () => {
	await h.close();
});

function contextFor(harness: Harness, out: string[]): CommandContext {
	return {
		config: readConfig({}, "/tmp"),
		stdout: (line) => out.push(line),
		stderr: (line) => out.push(line),
		openDomain: async () => harness.deps,
	};
}

test("admin create makes an operator from --email and the password on stdin", async () => {
	h = await createHarness();
	const out: string[] = [];
	const run = createAdminCommand({ readPassword: async () => "a long enough password", hasher: FAST_HASHER });
	expect(await run(["create", "--email", "Ops@Example.test", "--password-stdin", "--json"], contextFor(h, out))).toBe(
		0,
	);
	expect(JSON.parse(out.join("\n"))).toEqual({
		id: expect.stringMatching(/^op_[0-9a-f]{20}$/),
		email: "Ops@Example.test",
		createdAt: Math.floor(h.clock.now() / 1000),
	});
	expect(out.join("\n")).not.toContain("a long enough password");
	expect(await signInOperator(h.deps, FAST_HASHER, "ops@example.test", "a long enough password")).not.toBeNull();
});

test("admin create refuses a short password and a taken email, in words", async () => {
	h = await createHarness();
	const short = createAdminCommand({ readPassword: async () => "short", hasher: FAST_HASHER });
	await expect(short(["create", "--email", "a@b.test", "--password-stdin"], contextFor(h, []))).rejects.toMatchObject({
		code: "ERR_BAD_REQUEST",
		details: { password: ["The password must be at least 12 characters."] },
	});
	const ok = createAdminCommand({ readPassword: async () => "a long enough password", hasher: FAST_HASHER });
	await ok(["create", "--email", "a@b.test", "--password-stdin"], contextFor(h, []));
	await expect(ok(["create", "--email", "A@B.test", "--password-stdin"], contextFor(h, []))).rejects.toMatchObject({
		code: "ERR_BAD_REQUEST",
		details: { email: ["An operator with the email A@B.test already exists."] },
	});
	expect(await h.store.countOperators()).toBe(1);
});

test("admin create without --password-stdin is bad usage: a password never comes from argv", async () => {
	h = await createHarness();
	const run = createAdminCommand({ readPassword: async () => "unused unused", hasher: FAST_HASHER });
	await expect(run(["create", "--email", "a@b.test"], contextFor(h, []))).rejects.toBeInstanceOf(UsageError);
	await expect(run(["create", "--email", "a@b.test", "--password", "x"], contextFor(h, []))).rejects.toMatchObject({
		code: "ERR_PARSE_ARGS_UNKNOWN_OPTION",
	});
});

test("the default hasher is Argon2id with OWASP's parameters (m=19456 KiB, t=2, p=1)", async () => {
	h = await createHarness();
	const hash = await argon2PasswordHasher.hash("a long enough password");
	expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
	expect(await argon2PasswordHasher.verify(hash, "a long enough password")).toBe(true);
	expect(await argon2PasswordHasher.verify(hash, "a long enough passwore")).toBe(false);
	expect(await argon2PasswordHasher.verify("not a hash", "x")).toBe(false);
});
