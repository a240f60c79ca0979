import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A credential as handed to a caller: `<id>.<secret>`; only the id and a hash of the secret are stored. */
export interface GeneratedCredential {
	id: string;
	secretHash: string;
	plaintext: string;
}

const SECRET_BYTES = 32;
const ID_BYTES = 10;

/** Mints `<prefix><id>.<secret>` with a 256-bit secret from the CSPRNG. */
export function generateCredential(prefix: string): GeneratedCredential {
	const id = prefix + randomBytes(ID_BYTES).toString("hex");
	const secret = randomBytes(SECRET_BYTES).toString("base64url");
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

/** CometChat's masking of a key echoed in a message: first 5 characters, stars, last 5. */
export function maskForMessage(value: string): string {
	if (value.length <= 12) return "*".repeat(value.length);
	return value.slice(0, 5) + "*".repeat(Math.min(value.length - 10, 30)) + value.slice(-5);
}

export function generateAppId(): string {
	return randomBytes(8).toString("hex");
}

export function generateSigningSecret(): string {
	return randomBytes(SECRET_BYTES).toString("base64url");
}
