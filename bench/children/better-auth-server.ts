import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import Database from "better-sqlite3";

// The peer, configured as its docs suggest for a plain email+password deployment, minus the two features
// that would skip the work we compare: the rate limiter (it would answer 429) and the cookie cache (it would
// answer get-session from the cookie without reading the database).
const dataDir = process.argv[2];
const secret = process.argv[3];
if (!dataDir || !secret) throw new Error("usage: better-auth-server.ts <dataDir> <secret>");

const database = new Database(path.join(dataDir, "better-auth.db"));
// The same durability settings Latchkey uses, so the comparison is between the servers, not the journals.
database.pragma("journal_mode = WAL");
database.pragma("synchronous = NORMAL");
database.pragma("busy_timeout = 5000");

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = (server.address() as AddressInfo).port;
const baseURL = `http://127.0.0.1:${port}`;

const options = {
	database,
	secret,
	baseURL,
	trustedOrigins: [baseURL],
	emailAndPassword: { enabled: true },
	rateLimit: { enabled: false },
	session: { cookieCache: { enabled: false } },
	telemetry: { enabled: false },
};
const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);
server.on("request", toNodeHandler(auth));
console.log(`ready port ${port}`);
process.once("SIGTERM", () => {
	server.close(() => database.close());
});
