import { hash, verify } from "@node-rs/argon2";

/** Turns passwords into slow, salted hashes; tests inject a fast one. */
export interface PasswordHasher {
	hash(password: string): Promise<string>;
	/** False for a wrong password or a hash this hasher cannot read. */
	verify(passwordHash: string, password: string): Promise<boolean>;
}

/** OWASP's Argon2id minimum: 19 MiB of memory, 2 passes, 1 lane. */
export const ARGON2ID_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Argon2id (the library's default algorithm) with OWASP's parameters, as a PHC string. */
export const argon2PasswordHasher: PasswordHasher = {
	hash: async (password) => await hash(password, ARGON2ID_OPTIONS),
	verify: async (passwordHash, password) => {
		try {
			return await verify(passwordHash, password);
		} catch {
			return false;
		}
	},
};
