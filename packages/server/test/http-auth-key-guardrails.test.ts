import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";
import { expectError } from "./helpers.ts";

// Issue 15: the Auth Key guardrails and production mode, on the requests the official SDK sends with an Auth Key:
// login(uid, authKey) → POST /v3.0/users/{uid}/auth_tokens, createUser(user, authKey) → POST /v3.0/users,
// updateUser(user, authKey) → PUT /v3.0/users/{uid}.
let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

const DISABLED =
	"The Auth Key is disabled for this app: log users in with auth tokens your backend creates with a REST API key.";

async function setSecurity(body: Record<string, unknown>): Promise<void> {
	expect((await h.call("PUT", "/v3/security", { key: h.seed.restApiKey, body })).status).toBe(200);
}

function login(uid: string, headers: Record<string, string> = {}, key = h.seed.authKey): Promise<Response> {
	return h.call("POST", `/v3.0/users/${uid}/auth_tokens`, { key, headers });
}
function createUser(uid: string, headers: Record<string, string> = {}): Promise<Response> {
	return h.call("POST", "/v3.0/users", { key: h.seed.authKey, body: { uid, name: uid }, headers });
}
function updateUser(uid: string): Promise<Response> {
	return h.call("PUT", `/v3.0/users/${uid}`, { key: h.seed.authKey, body: { name: "Renamed" } });
}

describe("authKeyLogin", () => {
	test("enabled (the default): the Auth Key logs in, creates and updates any user", async () => {
		expect((await login("superhero1")).status).toBe(200);
		expect((await createUser("newcomer")).status).toBe(200);
		expect((await updateUser("newcomer")).status).toBe(200);
	});

	test("disabled: every Auth Key request is 403; the REST API key still logs users in", async () => {
		await setSecurity({ authKeyLogin: "disabled" });
		for (const res of [await login("superhero1"), await createUser("newcomer"), await updateUser("superhero1")]) {
			await expectError(res, 403, "AUTH_ERR_NO_ACCESS", DISABLED, { reason: "authKeyDisabled" });
		}
		expect((await h.call("GET", "/v3/users/newcomer", { key: h.seed.restApiKey })).status).toBe(404);
		expect((await login("superhero1", {}, h.seed.restApiKey)).status).toBe(200);
		await setSecurity({ authKeyLogin: "enabled" });
		expect((await login("superhero1")).status).toBe(200);
	});

	test("production mode disables the Auth Key unless authKeyLogin is set explicitly", async () => {
		const body = { uid: "member", name: "Member" };
		expect((await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body })).status).toBe(200);
		await setSecurity({ productionMode: true });
		await expectError(await login("member"), 403, "AUTH_ERR_NO_ACCESS", DISABLED, { reason: "authKeyDisabled" });
		await setSecurity({ authKeyLogin: "enabled" });
		expect((await login("member")).status).toBe(200);
	});

	test("allowlist: only the listed uids, whatever their case", async () => {
		await setSecurity({ authKeyLogin: "allowlist", authKeyUidAllowlist: ["superhero1", "Newcomer"] });
		expect((await login("SUPERHERO1")).status).toBe(200);
		await expectError(
			await login("superhero2"),
			403,
			"AUTH_ERR_NO_ACCESS",
			"The Auth Key may not be used for the UID superhero2 in this app.",
			{ reason: "uidNotAllowed" },
		);
		expect((await createUser("newcomer")).status).toBe(200);
		await expectError(
			await createUser("stranger"),
			403,
			"AUTH_ERR_NO_ACCESS",
			"The Auth Key may not be used for the UID stranger in this app.",
			{ reason: "uidNotAllowed" },
		);
		expect((await h.call("GET", "/v3/users/stranger", { key: h.seed.restApiKey })).status).toBe(404);
		await expectError(
			await updateUser("superhero2"),
			403,
			"AUTH_ERR_NO_ACCESS",
			"The Auth Key may not be used for the UID superhero2 in this app.",
			{ reason: "uidNotAllowed" },
		);
	});

	test("allowlist with origins: only browser requests from a listed origin", async () => {
		await setSecurity({
			authKeyLogin: "allowlist",
			authKeyUidAllowlist: ["superhero1"],
			authKeyOriginAllowlist: ["https://chat.example"],
		});
		expect((await login("superhero1", { origin: "https://CHAT.example" })).status).toBe(200);
		const refused = "The Auth Key may not be used from this origin in this app.";
		const attempts: Array<Record<string, string>> = [
			{ origin: "https://evil.example" },
			{ origin: "https://chat.example:8443" },
			{},
		];
		for (const headers of attempts) {
			await expectError(await login("superhero1", headers), 403, "AUTH_ERR_NO_ACCESS", refused, {
				reason: "originNotAllowed",
			});
		}
	});
});

describe("production mode and the sample users", () => {
	const held = (uid: string) =>
		`The sample user ${uid} cannot log in while the app is in production mode: delete it, or turn production mode off.`;

	test("turning it on ends the sample users' sessions; none of them logs in, with any key, until it is off", async () => {
		const before = (await (await login("superhero1")).json()) as { data: { authToken: string } };
		await setSecurity({ productionMode: true, authKeyLogin: "enabled" });
		expect((await h.call("GET", "/v3.0/me", { token: before.data.authToken })).status).toBe(401);
		expect(h.eventsOf("token.revoked").map((event) => "uid" in event && event.uid)).toEqual([
			"superhero1",
			"superhero2",
			"superhero3",
			"superhero4",
			"superhero5",
		]);
		for (const key of [h.seed.authKey, h.seed.restApiKey]) {
			await expectError(await login("superhero2", {}, key), 403, "AUTH_ERR_NO_ACCESS", held("superhero2"), {
				reason: "sampleUser",
			});
		}
		// Users of the app's own are not held, nor a sample uid deleted and created again later.
		expect((await createUser("newcomer")).status).toBe(200);
		expect((await login("newcomer")).status).toBe(200);
		expect(
			(await h.call("DELETE", "/v3/users/superhero3", { key: h.seed.restApiKey, body: { permanent: true } })).status,
		).toBe(200);
		h.clock.advance(1000);
		expect((await createUser("superhero3")).status).toBe(200);
		expect((await login("superhero3")).status).toBe(200);
		await setSecurity({ productionMode: false });
		expect((await login("superhero2")).status).toBe(200);
	});

	test("authKeyLogin null goes back to following production mode", async () => {
		await setSecurity({ productionMode: true, authKeyLogin: "enabled" });
		expect((await login("newcomer2")).status).toBe(404);
		await setSecurity({ authKeyLogin: null });
		await expectError(await login("newcomer2"), 403, "AUTH_ERR_NO_ACCESS", DISABLED, { reason: "authKeyDisabled" });
	});
});
