import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A credential as handed to a caller: `<id>.<secret>`; only the id and a hash of the secret are stored. */
export interface GeneratedCredential {
	id: string;
	secretHash: string;
	plaintext: string;
}

const SECRET_BYTES = 32;
const ID_BYTES = 10;

// randomBytes() asks the kernel once per call (two calls per login were a tenth of a login's CPU). The same
// CSPRNG output is drawn in 4 KB blocks instead and handed out once each, as Node's randomUUID() does; a handed-out
// range is zeroed in the block so no secret lingers there.
const RANDOM_BLOCK_BYTES = 4096;
let randomBlock = Buffer.alloc(0);
let randomOffset = 0;

function takeRandomBytes(size: number): Buffer {
	if (randomOffset + size > randomBlock.length) {
		randomBlock = randomBytes(RANDOM_BLOCK_BYTES);
		randomOffset = 0;
	}
	const taken = Buffer.from(randomBlock.subarray(randomOffset, randomOffset + size));
	randomBlock.fill(0, randomOffset, randomOffset + size);
	randomOffset += size;
	return taken;
}

/** Mints `<prefix><id>.<secret>` with a 256-bit secret from the CSPRNG. */
export function generateCredential(prefix: string): GeneratedCredential {
	const id = prefix + takeRandomBytes(ID_BYTES).toString("hex");
	const secret = takeRandomBytes(SECRET_BYTES).toString("base64url");
	return { id, secretHash: hashSecret(secret), plaintext: `${id}.${secret}` };
}

export function hashSecret(secret: string): string {
	return createHash("sha256").update(secret).digest("hex");
}

/** Splits `<prefix><id>.<secret>`; null when the value does not have that shape. */
export function parseCredential(prefix: string, value: string): { id: string; secret: string } | null {
	if (!value.startsWith(prefix)) return null;
	const dot = value.indexOf(".");
	if (dot <= prefix.length || dot === value.length - 1) return null;
	return { id: value.slice(0, dot), secret: value.slice(dot + 1) };
}

/** Constant-time comparison prevents timing attacks on the stored hash. */
export function verifySecret(secret: string, secretHash: string): boolean {
	const actual = createHash("sha256").update(secret).digest();
	const expected = Buffer.from(secretHash, "hex");
	return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** What list and get answers show instead of a credential: its id and a fixed mask. */
export function maskCredential(id: string): string {
	return `${id}.********`;
}

/**
 * How a presented value that is not credential-shaped is echoed in a message: a fixed mask, nothing of the value,
 * not even its length. (CometChat shows its first and last 5 characters; for one of our keys sent without its
 * prefix that would be 10 characters of its secret.)
 */
export function maskForMessage(): string {
	return "********";
}

// Every credential Latchkey issues: auth tokens, API keys, setup tokens, operator sessions. Case-insensitive
// because a path or header may arrive in any case and must be redacted all the same.
const CREDENTIAL_SHAPE = /\b(lk(?:at|ak|st|os)_[0-9a-f]*)\.[A-Za-z0-9_-]+/gi;

/**
 * Replaces the secret half of every credential-shaped value in a text (a log line, a path) with `[redacted]`,
 * keeping the id so the line still says which credential it was.
 */
export function redactSecrets(text: string): string {
	return text.replace(CREDENTIAL_SHAPE, "$1.[redacted]");
}

export function generateAppId(): string {
	return randomBytes(8).toString("hex");
}

export function generateSigningSecret(): string {
	return randomBytes(SECRET_BYTES).toString("base64url");
}
