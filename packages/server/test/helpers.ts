import { expect } from "vitest";
import { type CreatedApp, createApp } from "../src/domain/apps.ts";
import type { ErrorCode } from "../src/domain/errors.ts";
import type { Harness } from "./harness.ts";

/** The whole CometChat error envelope Latchkey answers with; `devMessage` repeats `message`. */
export function errorBody(
	code: ErrorCode,
	message: string,
	details: Record<string, unknown> = {},
): { error: Record<string, unknown> } {
	return { error: { code, message, devMessage: message, source: "chat-api", details } };
}

export async function readJSON(res: Response): Promise<unknown> {
	return (await res.json()) as unknown;
}

/** Asserts the status and the whole body in one place so a failure shows both. */
export async function expectResponse(res: Response, status: number, body: unknown): Promise<void> {
	expect({ status: res.status, body: await readJSON(res) }).toEqual({ status, body });
}

export async function expectError(
	res: Response,
	status: number,
	code: ErrorCode,
	message: string,
	details: Record<string, unknown> = {},
): Promise<void> {
	await expectResponse(res, status, errorBody(code, message, details));
}

/** Creates a user over REST with the REST API key and fails the test unless it worked. */
export async function createUserOverHTTP(h: Harness, body: Record<string, unknown>): Promise<Record<string, unknown>> {
	const res = await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body });
	const json = (await res.json()) as { data: Record<string, unknown> };
	expect(res.status).toBe(200);
	return json.data;
}

/** Mints an auth token over REST (as `login(uid, authKey)` does) and returns the token object. */
export async function mintToken(
	h: Harness,
	uid: string,
	body: Record<string, unknown> = {},
): Promise<{ authToken: string; id: string; createdAt: number }> {
	const res = await h.call("POST", `/v3.0/users/${uid}/auth_tokens`, { key: h.seed.authKey, body });
	const json = (await res.json()) as { data: { authToken: string; id: string; createdAt: number } };
	expect(res.status).toBe(200);
	return json.data;
}

/** A second app in the same store, to prove credentials never cross apps. */
export async function createOtherApp(h: Harness): Promise<CreatedApp> {
	return await createApp(h.deps, { name: "Other app" });
}

/** The id part (`lkak_…` / `lkat_…`) of a full credential. */
export function credentialId(plaintext: string): string {
	return plaintext.slice(0, plaintext.indexOf("."));
}

export const TOKEN_PATTERN = /^lkat_[0-9a-f]{20}\.[A-Za-z0-9_-]{43}$/;
export const KEY_PATTERN = /^lkak_[0-9a-f]{20}\.[A-Za-z0-9_-]{43}$/;
/** ManualClock's start, 2026-01-01T00:00:00Z, in the wire's unix seconds. */
export const T0 = Date.UTC(2026, 0, 1) / 1000;
