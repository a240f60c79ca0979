/** Every scenario `--only` accepts, in the order they run. */
export const SCENARIOS = [
	"me",
	"login-auth-token",
	"login-auth-key",
	"rest-token",
	"create-user",
	"logout",
	"growth",
	"peer",
	"sockets",
	"cross-node",
	"import-100k",
] as const;

export type ScenarioId = (typeof SCENARIOS)[number];

export function isScenarioId(value: string): value is ScenarioId {
	return (SCENARIOS as readonly string[]).includes(value);
}
