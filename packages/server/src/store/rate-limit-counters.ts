import { CompiledQuery, type Kysely } from "kysely";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres } from "rate-limiter-flexible";
import type { SharedLimiterFactory } from "../web/rate-limits.ts";
import type { Tables } from "./tables.ts";

/**
 * Limiters whose counters live in PostgreSQL's `rate_limits` table (migration 0004), so every node of a
 * deployment counts against one budget. rate-limiter-flexible writes its own SQL (one upsert per count); it runs
 * here through the store's pool, so it follows the store's connection settings (schema included). While the
 * database is unreachable each node counts in memory instead (the insurance limiter), and a key found over
 * budget is refused from memory until its window ends (`inMemoryBlockOnConsumed`), costing no round trip.
 */
export function createPostgresLimiterFactory(db: Kysely<Tables>): SharedLimiterFactory {
	const client = {
		query: async (query: { text: string; values?: unknown[] }) =>
			await db.executeQuery(CompiledQuery.raw(query.text, query.values ?? [])),
	};
	return ({ keyPrefix, points, durationSeconds }): RateLimiterAbstract =>
		new RateLimiterPostgres({
			storeClient: client,
			storeType: "client",
			tableName: "rate_limits",
			tableCreated: true,
			keyPrefix,
			points,
			duration: durationSeconds,
			inMemoryBlockOnConsumed: points + 1,
			insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds }),
		});
}
