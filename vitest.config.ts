import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		// Drops PostgreSQL test schemas a killed run left behind, before and after each run (packages/server/test/stores.ts).
		globalSetup: ["packages/server/test/postgres-global-setup.ts"],
		projects: [
			{
				test: {
					name: "server",
					root: "packages/server",
					include: ["src/**/*.test.ts", "test/**/*.test.ts"],
					testTimeout: 20_000,
					hookTimeout: 30_000,
				},
			},
			// The HTTP suites once more, on PostgreSQL, when there is one (CI sets DATABASE_URL).
			...(process.env.DATABASE_URL
				? [
						{
							test: {
								name: "server-postgres",
								root: "packages/server",
								include: ["test/http-*.test.ts"],
								env: { LATCHKEY_TEST_DIALECT: "postgres" },
								testTimeout: 20_000,
								hookTimeout: 30_000,
							},
						},
					]
				: []),
			{
				test: {
					name: "sdk",
					root: "packages/sdk",
					include: ["src/**/*.test.ts", "test/**/*.test.ts"],
					testTimeout: 20_000,
					hookTimeout: 30_000,
				},
			},
			{ test: { name: "bench", root: "bench", include: ["*.test.ts"], testTimeout: 300_000 } },
		],
	},
});
