import { expect, test } from "vitest";
import { requestKind } from "./rate-limit.ts";

test("requestKind() names CometChat's core operations, an identity token's exchange among the logins", () => {
	const kinds = Object.fromEntries(
		[
			["PUT", "/v3.0/me"],
			["POST", "/v3/users"],
			["POST", "/v3.0/users/alice/auth_tokens"],
			["POST", "/v3.0/auth_tokens/exchange"],
			["POST", "/v3/auth_tokens/exchange/"],
			["DELETE", "/v3/users/alice"],
			["DELETE", "/v3/users"],
			["GET", "/v3.0/me"],
			["GET", "/v3/users"],
			["GET", "/v3/auth_tokens/exchange"],
			["POST", "/v3/users/alice/auth_tokens/revoke"],
			["PUT", "/v3/users/alice"],
			["POST", "/v3/data_import/users"],
		].map(([method, path]) => [`${method} ${path}`, requestKind(method as string, path as string)]),
	);
	expect(kinds).toEqual({
		"PUT /v3.0/me": "core",
		"POST /v3/users": "core",
		"POST /v3.0/users/alice/auth_tokens": "core",
		"POST /v3.0/auth_tokens/exchange": "core",
		"POST /v3/auth_tokens/exchange/": "core",
		"DELETE /v3/users/alice": "core",
		"DELETE /v3/users": "core",
		"GET /v3.0/me": "standard",
		"GET /v3/users": "standard",
		"GET /v3/auth_tokens/exchange": "standard",
		"POST /v3/users/alice/auth_tokens/revoke": "standard",
		"PUT /v3/users/alice": "standard",
		"POST /v3/data_import/users": "standard",
	});
});
