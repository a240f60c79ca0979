import type { PasswordHasher } from "../domain/operator-passwords.ts";

/** What the admin console needs beyond the REST app's deps; every field has a default. */
export interface DashboardOptions {
	/** LATCHKEY_PUBLIC_URL. Forms from its origin are accepted, and https makes the cookie `Secure`. */
	publicURL?: string;
	/** Argon2id with OWASP's parameters unless a test injects a fast one. */
	passwordHasher?: PasswordHasher;
	/** Open realtime sockets of an app (or of one user of it); the pages show "—" without it. */
	liveSocketCount?: (appId: string, uid?: string) => number | Promise<number>;
}
