import { describe, expect, test } from "vitest";
import type { Revocation } from "../src/domain/revocations.ts";
import { peekRealtimeClaims, readAuthFrame } from "../src/realtime/frames.ts";
import { createLocalRevocationBus } from "../src/realtime/revocation-bus.ts";

const REVOCATION: Revocation = { appId: "app1", tokenIds: ["lkat_1"], reason: "revoked" };

describe("createLocalRevocationBus()", () => {
	test("delivers every publish to every subscriber, in subscription order", async () => {
		const bus = createLocalRevocationBus();
		const seen: string[] = [];
		bus.subscribe((revocation) => void seen.push(`a:${revocation.tokenIds.join()}`));
		bus.subscribe(async (revocation) => void seen.push(`b:${revocation.reason}`));
		await bus.publish(REVOCATION);
		expect(seen).toEqual(["a:lkat_1", "b:revoked"]);
	});

	test("an unsubscribed handler hears nothing more", async () => {
		const bus = createLocalRevocationBus();
		const seen: Revocation[] = [];
		const unsubscribe = bus.subscribe((revocation) => void seen.push(revocation));
		await bus.publish(REVOCATION);
		unsubscribe();
		await bus.publish(REVOCATION);
		expect(seen).toEqual([REVOCATION]);
	});

	test("a failing subscriber does not reject publish nor starve the others; onError hears of it", async () => {
		const errors: unknown[] = [];
		const bus = createLocalRevocationBus({ onError: (error) => errors.push(error) });
		const seen: Revocation[] = [];
		bus.subscribe(() => {
			throw new Error("boom");
		});
		bus.subscribe((revocation) => void seen.push(revocation));
		await expect(bus.publish(REVOCATION)).resolves.toBeUndefined();
		expect(seen).toEqual([REVOCATION]);
		expect(errors).toEqual([new Error("boom")]);
	});

	test("close() drops every subscriber", async () => {
		const bus = createLocalRevocationBus();
		const seen: Revocation[] = [];
		bus.subscribe((revocation) => void seen.push(revocation));
		await bus.close();
		await bus.publish(REVOCATION);
		expect(seen).toEqual([]);
	});
});

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
