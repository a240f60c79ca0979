import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, test } from "vitest";
import { maskCredential } from "../src/domain/secrets.ts";
import { createTokenCipher, parseTokenEncryptionKey } from "../src/domain/token-cipher.ts";
import { createWebApp } from "../src/web-app.ts";
import { createHarness, type Harness } from "./harness.ts";
import { expectError, mintToken } from "./helpers.ts";

// Issue 15: `tokenStorage: "retrievable"` keeps new tokens encrypted so the REST API answers them back, as
// CometChat does; `"hashed"` (the default) never can.
let h: Harness | undefined;
afterEach(async () => {
	await h?.close();
	h = undefined;
});

const KEY = randomBytes(32);

async function retrievableHarness(): Promise<Harness> {
	h = await createHarness({ tokenCipher: createTokenCipher(KEY) });
	const res = await h.call("PUT", "/v3/security", { key: h.seed.restApiKey, body: { tokenStorage: "retrievable" } });
	expect(res.status).toBe(200);
	return h;
}

async function listTokens(harness: Harness, app = harness.app): Promise<{ cache: string | null; tokens: string[] }> {
	const res = await app.request("/v3/users/superhero1/auth_tokens", {
		headers: { appid: harness.seed.app.id, apikey: harness.seed.restApiKey },
	});
	const body = (await res.json()) as { data: Array<{ authToken: string }> };
	return { cache: res.headers.get("cache-control"), tokens: body.data.map((token) => token.authToken) };
}

describe("retrievable token storage", () => {
	test("a token minted while retrievable is answered back in full by list and get, never cached", async () => {
		const harness = await retrievableHarness();
		const token = await mintToken(harness, "superhero1");
		expect(await listTokens(harness)).toEqual({ cache: "no-store", tokens: [token.authToken] });
		const one = await harness.call("GET", `/v3/users/superhero1/auth_tokens/${token.id}`, {
			key: harness.seed.restApiKey,
		});
		expect({
			status: one.status,
			cache: one.headers.get("cache-control"),
			authToken: ((await one.json()) as { data: { authToken: string } }).data.authToken,
		}).toEqual({ status: 200, cache: "no-store", authToken: token.authToken });
	});

	test("the database holds the token sealed, not its secret", async () => {
		const harness = await retrievableHarness();
		const token = await mintToken(harness, "superhero1");
		const row = await harness.store.db
			.selectFrom("auth_tokens")
			.select(["token_ciphertext", "secret_hash"])
			.where("id", "=", token.id)
			.executeTakeFirstOrThrow();
		const secret = token.authToken.split(".")[1] as string;
		expect(row.token_ciphertext).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
		expect(row.token_ciphertext).not.toContain(secret);
		expect(row.token_ciphertext).not.toContain(Buffer.from(secret).toString("base64url"));
	});

	test("tokens from before, and every token after switching back to hashed, stay masked for good", async () => {
		h = await createHarness({ tokenCipher: createTokenCipher(KEY) });
		const before = await mintToken(h, "superhero1");
		// Lists are newest first: a second apart, the order is certain.
		h.clock.advance(1000);
		await h.call("PUT", "/v3/security", { key: h.seed.restApiKey, body: { tokenStorage: "retrievable" } });
		const during = await mintToken(h, "superhero1");
		expect((await listTokens(h)).tokens).toEqual([during.authToken, maskCredential(before.id)]);
		await h.call("PUT", "/v3/security", { key: h.seed.restApiKey, body: { tokenStorage: "hashed" } });
		expect(await listTokens(h)).toEqual({
			cache: null,
			tokens: [maskCredential(during.id), maskCredential(before.id)],
		});
		// The ciphertexts were dropped: turning retrievable on again does not bring them back.
		await h.call("PUT", "/v3/security", { key: h.seed.restApiKey, body: { tokenStorage: "retrievable" } });
		expect((await listTokens(h)).tokens).toEqual([maskCredential(during.id), maskCredential(before.id)]);
	});

	test("a server with another key cannot open the tokens: they show masked", async () => {
		const harness = await retrievableHarness();
		const token = await mintToken(harness, "superhero1");
		const otherKey = createWebApp({ ...harness.deps, tokenCipher: createTokenCipher(randomBytes(32)) });
		expect((await listTokens(harness, otherKey)).tokens).toEqual([maskCredential(token.id)]);
	});

	test("without LATCHKEY_TOKEN_ENCRYPTION_KEY an app cannot choose it; hashed (the default) never answers a token", async () => {
		h = await createHarness();
		await expectError(
			await h.call("PUT", "/v3/security", { key: h.seed.restApiKey, body: { tokenStorage: "retrievable" } }),
			400,
			"ERR_BAD_REQUEST",
			"Failed to validate the data sent with the request.",
			{
				tokenStorage: [
					"Retrievable token storage needs LATCHKEY_TOKEN_ENCRYPTION_KEY, which this server is not configured with.",
				],
			},
		);
		const token = await mintToken(h, "superhero1");
		expect((await listTokens(h)).tokens).toEqual([maskCredential(token.id)]);
	});
});

test("the key is 32 bytes as hex or base64, nothing else", () => {
	const key = randomBytes(32);
	expect(parseTokenEncryptionKey(key.toString("hex"))).toEqual(key);
	expect(parseTokenEncryptionKey(key.toString("base64"))).toEqual(key);
	expect(parseTokenEncryptionKey(key.toString("base64url"))).toEqual(key);
	for (const bad of [
		"",
		"short",
		randomBytes(16).toString("hex"),
		randomBytes(33).toString("base64"),
		"z".repeat(64),
	]) {
		expect(parseTokenEncryptionKey(bad)).toBeNull();
	}
	const cipher = createTokenCipher(key);
	const sealed = cipher.encrypt("lkat_0011.secret", "lkat_0011");
	expect(cipher.decrypt(sealed, "lkat_0011")).toBe("lkat_0011.secret");
	// Bound to its token: moved onto another token's row, or altered, it does not open.
	expect(cipher.decrypt(sealed, "lkat_0022")).toBeNull();
	const flipped = sealed[10] === "A" ? "B" : "A";
	expect(cipher.decrypt(`${sealed.slice(0, 10)}${flipped}${sealed.slice(11)}`, "lkat_0011")).toBeNull();
});
