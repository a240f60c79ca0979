import { describe, expect, test } from "vitest";
import { AppSettingsBuilder, parseHostOverride } from "../src/app-settings.ts";
import { getBackoffDelayMs } from "../src/backoff.ts";
import { CometChat } from "../src/comet-chat.ts";
import { isCometChatException } from "../src/exception.ts";
import { generateUUID } from "../src/ids.ts";
import { parseStoredState, serializeStoredState } from "../src/stored-state.ts";
import { getUserRequestBody, parseUserData, User } from "../src/user.ts";

describe("getBackoffDelayMs()", () => {
	const options = { baseMs: 500, capMs: 30_000 };

	test("the ceiling doubles from the base and stops at the cap", () => {
		const nearlyOne = { ...options, random: () => 0.999_999 };
		expect([0, 1, 2, 3, 4, 5, 6, 7, 40].map((attempt) => getBackoffDelayMs(attempt, nearlyOne))).toEqual([
			499, 999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999, 29_999,
		]);
	});

	test("full jitter: random() = 0 retries at once", () => {
		expect(getBackoffDelayMs(5, { ...options, random: () => 0 })).toBe(0);
	});
});

describe("User", () => {
	test("getters and setters round-trip like the official SDK's", () => {
		const user = new CometChat.User("alice");
		user.setName("Alice");
		user.setAvatar("https://example.com/a.png");
		user.setLink("https://example.com/alice");
		user.setRole("admin");
		user.setMetadata({ a: 1 });
		user.setStatus("online");
		user.setStatusMessage("Hi");
		user.setLastActiveAt(10);
		user.setTags(["t"]);
		user.setAuthToken("tok");
		expect([
			user.getUid(),
			user.getName(),
			user.getAvatar(),
			user.getLink(),
			user.getRole(),
			user.getMetadata(),
			user.getStatus(),
			user.getStatusMessage(),
			user.getLastActiveAt(),
			user.getTags(),
			user.getAuthToken(),
			user.getHasBlockedMe(),
			user.getBlockedByMe(),
			user.getDeactivatedAt(),
		]).toEqual([
			"alice",
			"Alice",
			"https://example.com/a.png",
			"https://example.com/alice",
			"admin",
			{ a: 1 },
			"online",
			"Hi",
			10,
			["t"],
			"tok",
			false,
			false,
			undefined,
		]);
		expect(JSON.parse(JSON.stringify(user))).toMatchObject({ uid: "alice", name: "Alice", authToken: "tok" });
	});

	test("parseUserData() keeps known fields, normalises status, and refuses a missing uid or name", () => {
		expect(
			parseUserData({ uid: "a", name: 5, status: "available", tags: ["x", 1], lastActiveAt: 0, extra: true }),
		).toEqual({
			uid: "a",
			name: "5",
			status: "online",
			tags: ["x"],
		});
		expect(parseUserData({ uid: "a", name: "A", status: "offline" })?.status).toBe("offline");
		expect(parseUserData({ name: "A" })).toBeNull();
		expect(parseUserData({ uid: "a" })).toBeNull();
		expect(parseUserData("a")).toBeNull();
	});

	test("the request body has only the fields that are set", () => {
		expect(getUserRequestBody(new User("bob"))).toEqual({ uid: "bob" });
	});
});

describe("stored state", () => {
	test("round-trips, and anything else reads as nothing stored", () => {
		const state = {
			deviceId: "d",
			session: { user: { uid: "a", name: "A" }, authToken: "t", jwt: "j", serverSettings: { X: 1 } },
		};
		expect(parseStoredState(serializeStoredState(state))).toEqual({
			deviceId: "d",
			session: { ...state.session, user: { uid: "a", name: "A" } },
		});
		expect(parseStoredState(null)).toBeNull();
		expect(parseStoredState("[]")).toBeNull();
		expect(parseStoredState(JSON.stringify({ version: 2, deviceId: "d", session: null }))).toBeNull();
		expect(parseStoredState(JSON.stringify({ version: 1, deviceId: "d", session: { authToken: "t" } }))).toEqual({
			deviceId: "d",
			session: null,
		});
	});
});

describe("small pieces", () => {
	test("generateUUID() makes RFC 4122 version 4 ids", () => {
		expect(generateUUID()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		expect(generateUUID()).not.toBe(generateUUID());
	});

	test("parseHostOverride() keeps an explicit scheme, defaults to https, trims trailing slashes", () => {
		expect(parseHostOverride("HTTP://127.0.0.1:3000/v3.0/")).toEqual({ scheme: "http", host: "127.0.0.1:3000/v3.0" });
		expect(parseHostOverride("https://a.test/v3.0")).toEqual({ scheme: "https", host: "a.test/v3.0" });
		expect(parseHostOverride("a.test/v3.0")).toEqual({ scheme: "https", host: "a.test/v3.0" });
	});

	test("AppSettingsBuilder defaults match the official SDK and the brief", () => {
		const settings = new AppSettingsBuilder().build();
		expect(settings).toMatchObject({
			region: "eu",
			autoEstablishSocketConnection: true,
			requestTimeoutMs: 15_000,
			adminHost: null,
			clientHost: null,
		});
		expect(Object.isFrozen(settings)).toBe(true);
	});

	test("isCometChatException() tells SDK rejections from other errors", () => {
		expect(isCometChatException({ code: "X", message: "m", retryAfterMs: null })).toBe(true);
		expect(isCometChatException(new Error("x"))).toBe(false);
		expect(isCometChatException(null)).toBe(false);
	});
});
