import { describe, expect, test } from "vitest";
import { createLocalEventBus } from "../src/events/bus.ts";
import { type BusEvent, type ChangeEvent, parseChangeEvent } from "../src/events/change-event.ts";

const REVOCATION: ChangeEvent = { type: "token.revoked", appId: "app1", tokenIds: ["lkat_1"], reason: "revoked" };

describe("createLocalEventBus()", () => {
	test("delivers every publish to every subscriber, in subscription order", async () => {
		const bus = createLocalEventBus();
		const seen: string[] = [];
		bus.subscribe((event) => void seen.push(`a:${event.type}`));
		bus.subscribe(async (event) => void seen.push(`b:${event.type === "token.revoked" ? event.reason : ""}`));
		await bus.publish(REVOCATION);
		expect(seen).toEqual(["a:token.revoked", "b:revoked"]);
	});

	test("an unsubscribed handler hears nothing more", async () => {
		const bus = createLocalEventBus();
		const seen: BusEvent[] = [];
		const unsubscribe = bus.subscribe((event) => void seen.push(event));
		await bus.publish(REVOCATION);
		unsubscribe();
		await bus.publish(REVOCATION);
		expect(seen).toEqual([REVOCATION]);
	});

	test("a failing subscriber does not reject publish nor starve the others; onError hears of it", async () => {
		const errors: unknown[] = [];
		const bus = createLocalEventBus({ onError: (error) => errors.push(error) });
		const seen: BusEvent[] = [];
		bus.subscribe(() => {
			throw new Error("boom");
		});
		bus.subscribe((event) => void seen.push(event));
		await expect(bus.publish(REVOCATION)).resolves.toBeUndefined();
		expect(seen).toEqual([REVOCATION]);
		expect(errors).toEqual([new Error("boom")]);
	});

	test("close() drops every subscriber", async () => {
		const bus = createLocalEventBus();
		const seen: BusEvent[] = [];
		bus.subscribe((event) => void seen.push(event));
		await bus.close();
		await bus.publish(REVOCATION);
		expect(seen).toEqual([]);
	});

	test("is always live: one process misses nothing", () => {
		expect(createLocalEventBus().isLive()).toBe(true);
	});
});

describe("parseChangeEvent()", () => {
	test("accepts each event shape a node publishes", () => {
		const events: ChangeEvent[] = [
			REVOCATION,
			{ type: "token.revoked", appId: "a", uid: "bob", tokenIds: [], reason: "revoked" },
			{ type: "token.created", appId: "a", uid: "bob", tokenId: "lkat_1" },
			{ type: "token.updated", appId: "a", tokenId: "lkat_1" },
			{ type: "user.deactivated", appId: "a", uid: "bob" },
			{ type: "apikey.updated", appId: "a", keyId: "lkak_1" },
			{ type: "app.created", appId: "a" },
		];
		for (const event of events) expect(parseChangeEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
	});

	test("refuses anything else: unknown types, missing or mistyped fields, a resync from outside", () => {
		for (const value of [
			null,
			"token.revoked",
			{ type: "resync" },
			{ type: "token.exploded", appId: "a" },
			{ type: "token.revoked", appId: "a", tokenIds: "lkat_1", reason: "revoked" },
			{ type: "token.revoked", appId: "a", tokenIds: [1], reason: "revoked" },
			{ type: "token.revoked", appId: "a", tokenIds: [], reason: "revoked", uid: 7 },
			{ type: "token.revoked", appId: "a", tokenIds: [], reason: "nuked" },
			{ type: "user.updated", appId: "a" },
			{ type: "apikey.deleted", appId: "a" },
			{ type: "token.updated", tokenId: "lkat_1" },
		]) {
			expect(parseChangeEvent(value)).toBeNull();
		}
	});
});
