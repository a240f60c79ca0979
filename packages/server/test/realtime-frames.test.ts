import { describe, expect, test } from "vitest";
import { peekRealtimeClaims, readAuthFrame } from "../src/realtime/frames.ts";

describe("frames", () => {
	test("readAuthFrame() takes the SDK's auth frame and refuses one without a string body.auth", () => {
		expect(
			readAuthFrame({ type: "auth", appId: "a", sender: "u", deviceId: "d", body: { auth: "x.y.z", deviceId: "d2" } }),
		).toEqual({ jwt: "x.y.z", appId: "a", sender: "u", deviceId: "d" });
		expect(readAuthFrame({ type: "auth", body: { auth: 42 } })).toBeNull();
		expect(readAuthFrame({ type: "auth", body: { auth: "" } })).toBeNull();
		expect(readAuthFrame({ type: "auth" })).toBeNull();
		expect(readAuthFrame({ type: "message", body: { auth: "x.y.z" } })).toBeNull();
	});

	test("peekRealtimeClaims() reads aud/sub/tid and returns null for anything malformed", () => {
		const payload = Buffer.from(JSON.stringify({ aud: "app1", sub: "alice", tid: "lkat_1" })).toString("base64url");
		expect(peekRealtimeClaims(`h.${payload}.s`)).toEqual({ appId: "app1", uid: "alice", tokenId: "lkat_1" });
		expect(peekRealtimeClaims("no-dots")).toBeNull();
		expect(peekRealtimeClaims("h.!!!.s")).toBeNull();
		const partial = Buffer.from(JSON.stringify({ aud: "app1", sub: "alice" })).toString("base64url");
		expect(peekRealtimeClaims(`h.${partial}.s`)).toBeNull();
	});
});
