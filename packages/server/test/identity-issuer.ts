import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** One key of the test issuer: its private half signs, its public JWK is published. */
interface IssuerKey {
	kid: string;
	alg: string;
	privateKey: SigningKey;
	publicJWK: JWK;
}

/** base64url of a JSON value, for hand-built tokens (`alg: none`, HS256 with a public key). */
export function encodeSegment(value: unknown): string {
	return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/**
 * A local identity provider for the tests: keys generated per run, its key set served from node:http on loopback
 * (`jwksUri`) and available inline (`jwks()`). `fetches` counts the key set's downloads.
 */
export class TestIssuer {
	readonly keys = new Map<string, IssuerKey>();
	private readonly withdrawn = new Set<string>();
	fetches = 0;

	private constructor(
		readonly issuer: string,
		private readonly server: Server | null,
	) {}

	/** An issuer whose keys are only used inline (no server). */
	static offline(issuer: string): TestIssuer {
		return new TestIssuer(issuer, null);
	}

	/** An issuer serving its key set at `${origin}/jwks.json` on 127.0.0.1; its `iss` is `${origin}/`. */
	static async serve(): Promise<TestIssuer> {
		let issuer: TestIssuer | null = null;
		const server = createServer((req, res) => {
			if (req.url !== "/jwks.json" || !issuer) {
				res.writeHead(404).end();
				return;
			}
			issuer.fetches++;
			res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(issuer.jwks()));
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		const { port } = server.address() as AddressInfo;
		issuer = new TestIssuer(`http://127.0.0.1:${port}/`, server);
		return issuer;
	}

	get jwksUri(): string {
		return `${this.issuer}jwks.json`;
	}

	async addKey(kid: string, alg = "ES256"): Promise<IssuerKey> {
		const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
		const publicJWK = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
		const key = { kid, alg, privateKey, publicJWK };
		this.keys.set(kid, key);
		return key;
	}

	/** Withdraws a key from the published set; the test can still sign with it (as a thief of the key could). */
	removeKey(kid: string): void {
		this.withdrawn.add(kid);
	}

	/** The published key set: public keys only. */
	jwks(): { keys: JWK[] } {
		return { keys: [...this.keys.values()].filter((key) => !this.withdrawn.has(key.kid)).map((key) => key.publicJWK) };
	}

	/**
	 * A token signed with key `kid` (the first key when absent): `iss` is this issuer unless the claims say
	 * otherwise; `kid` in the header unless `header.kid` is null.
	 */
	async sign(
		claims: JWTPayload,
		options: { kid?: string; key?: SigningKey; header?: Record<string, unknown> } = {},
	): Promise<string> {
		const key = options.kid ? this.keys.get(options.kid) : this.keys.values().next().value;
		if (!key) throw new Error(`no key ${options.kid ?? "(first)"}`);
		const header = { alg: key.alg, kid: key.kid, ...options.header };
		if (header.kid === null) delete (header as { kid?: unknown }).kid;
		return await new SignJWT({ iss: this.issuer, ...claims })
			.setProtectedHeader(header as { alg: string })
			.sign(options.key ?? key.privateKey);
	}

	async close(): Promise<void> {
		const server = this.server;
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}
}
