import { readFileSync } from "node:fs";
import path from "node:path";
import {
	createIdentityProvider,
	deleteIdentityProvider,
	listIdentityProviders,
	presentIdentityProvider,
} from "../../domain/identity-providers.ts";
import { type CommandSpec, parseInvocation } from "../command-spec.ts";
import type { Command } from "../context.ts";
import { printRecord, printTable, UsageError } from "../output.ts";
import { selectApp } from "../select-app.ts";

export const SPEC: CommandSpec = {
	name: "idp",
	summary: "Manage the identity providers whose JWTs an app exchanges for auth tokens (docs/identity-providers.md).",
	appScoped: true,
	actions: [
		{
			name: "add",
			arguments: [],
			summary: "Trust an issuer's JWTs: POST /v3/auth_tokens/exchange then accepts them.",
			options: {
				issuer: { type: "string", value: "ISSUER", required: true, description: "the tokens' iss, exactly" },
				"jwks-uri": { type: "string", value: "URL", description: "where the issuer publishes its keys (https)" },
				"jwks-file": {
					type: "string",
					value: "FILE",
					description: "a JSON Web Key Set of public keys, kept inline (instead of --jwks-uri)",
				},
				audience: {
					type: "string",
					value: "AUD,AUD",
					required: true,
					description: "the aud values accepted (comma-separated)",
				},
				algorithms: {
					type: "string",
					value: "ALG,ALG",
					description: "accepted algorithms, asymmetric only (default: RS256)",
				},
				"uid-claim": { type: "string", value: "CLAIM", description: "the claim that becomes the uid (default: sub)" },
				"name-claim": { type: "string", value: "CLAIM", description: "the claim naming a new user" },
				"avatar-claim": { type: "string", value: "CLAIM", description: "the claim with a new user's avatar URL" },
				"clock-skew-seconds": {
					type: "string",
					value: "SECONDS",
					description: "allowed clock drift for exp, nbf and iat, 0-300 (default: 60)",
				},
				"no-create-users": { type: "boolean", description: "refuse unknown uids instead of creating them" },
				"uid-prefix": { type: "string", value: "PREFIX", description: "put before the claim's value" },
				"uid-mapping": {
					type: "string",
					value: "strict|sanitize",
					description: "refuse a claim that is not a valid uid, or replace its forbidden characters with _",
				},
			},
		},
		{ name: "list", arguments: [], summary: "List the app's identity providers.", options: {} },
		{
			name: "remove",
			arguments: ["PROVIDER_ID"],
			summary: "Stop trusting a provider; tokens already minted stay valid.",
			options: {},
		},
	],
};

function splitList(value: string | undefined): string[] | undefined {
	return value === undefined
		? undefined
		: value
				.split(",")
				.map((item) => item.trim())
				.filter(Boolean);
}

/** `latchkey idp add|list|remove`. */
export const run: Command = async (args, context) => {
	const invocation = parseInvocation(SPEC, args);
	const { json } = invocation;
	const options = { allowHttp: context.config.identityProviderAllowHttp };
	switch (invocation.action.name) {
		case "add": {
			const jwksFile = invocation.string("jwks-file");
			let jwks: unknown;
			if (jwksFile !== undefined) {
				try {
					jwks = JSON.parse(readFileSync(path.resolve(context.cwd ?? process.cwd(), jwksFile), "utf8"));
				} catch (error) {
					throw new UsageError(`--jwks-file ${jwksFile}: ${(error as Error).message}`);
				}
			}
			const skew = invocation.string("clock-skew-seconds");
			const text = (name: string, field: string) => {
				const value = invocation.string(name);
				return value === undefined ? {} : { [field]: value };
			};
			const body = {
				issuer: invocation.string("issuer"),
				...text("jwks-uri", "jwksUri"),
				...(jwks !== undefined && { jwks }),
				audiences: splitList(invocation.string("audience")),
				algorithms: splitList(invocation.string("algorithms")) ?? ["RS256"],
				...text("uid-claim", "uidClaim"),
				...text("name-claim", "nameClaim"),
				...text("avatar-claim", "avatarClaim"),
				...(skew !== undefined && { clockSkewSeconds: Number(skew) }),
				...(invocation.flag("no-create-users") && { createUsers: false }),
				...text("uid-prefix", "uidPrefix"),
				...text("uid-mapping", "uidMapping"),
			};
			const deps = await context.openDomain();
			const app = await selectApp(deps, context, invocation.appId);
			const provider = await createIdentityProvider(deps, app.id, body, options);
			printRecord(context, json, presentIdentityProvider(provider));
			return 0;
		}
		case "list": {
			const deps = await context.openDomain();
			const app = await selectApp(deps, context, invocation.appId);
			const providers = await listIdentityProviders(deps, app.id);
			printTable(context, json, providers.map(presentIdentityProvider), [
				"id",
				"issuer",
				"audiences",
				"algorithms",
				"uidMapping",
				"createUsers",
			]);
			return 0;
		}
		default: {
			const deps = await context.openDomain();
			const app = await selectApp(deps, context, invocation.appId);
			const id = invocation.positionals[0] ?? "";
			await deleteIdentityProvider(deps, app.id, id);
			printRecord(context, json, { deleted: id });
			return 0;
		}
	}
};
