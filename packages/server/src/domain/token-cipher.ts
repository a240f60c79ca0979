import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Encrypts auth tokens at rest for apps with `tokenStorage: "retrievable"` (issue 15): AES-256-GCM under
 * LATCHKEY_TOKEN_ENCRYPTION_KEY, a fresh 96-bit nonce per token, the token's id as associated data (a ciphertext
 * moved onto another token's row does not decrypt). Stored as `v1.<base64url(nonce | tag | ciphertext)>`.
 */
export interface TokenCipher {
	encrypt(plaintext: string, tokenId: string): string;
	/** The plaintext, or null when the ciphertext is not ours (another key, altered, another token's). */
	decrypt(ciphertext: string, tokenId: string): string | null;
}

const VERSION = "v1.";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function createTokenCipher(key: Buffer): TokenCipher {
	if (key.length !== 32) throw new Error("the token encryption key must be 32 bytes");
	return {
		encrypt(plaintext, tokenId) {
			const nonce = randomBytes(NONCE_BYTES);
			const cipher = createCipheriv("aes-256-gcm", key, nonce);
			cipher.setAAD(Buffer.from(tokenId, "utf8"));
			const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
			return VERSION + Buffer.concat([nonce, cipher.getAuthTag(), sealed]).toString("base64url");
		},
		decrypt(ciphertext, tokenId) {
			if (!ciphertext.startsWith(VERSION)) return null;
			const raw = Buffer.from(ciphertext.slice(VERSION.length), "base64url");
			if (raw.length <= NONCE_BYTES + TAG_BYTES) return null;
			try {
				const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, NONCE_BYTES));
				decipher.setAAD(Buffer.from(tokenId, "utf8"));
				decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
				return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString(
					"utf8",
				);
			} catch {
				return null;
			}
		},
	};
}

/**
 * LATCHKEY_TOKEN_ENCRYPTION_KEY's value as a key: 32 bytes written as 64 hex digits or in base64 (either
 * alphabet, padded or not). Null for anything else.
 */
export function parseTokenEncryptionKey(text: string): Buffer | null {
	const trimmed = text.trim();
	if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
	if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return null;
	const key = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
	return key.length === 32 ? key : null;
}
