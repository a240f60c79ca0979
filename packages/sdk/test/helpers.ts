import { expect } from "vitest";
import { createHarness, type Harness } from "../../server/test/harness.ts";
import type { FetchFunction } from "../src/app-settings.ts";
import { AppSettingsBuilder } from "../src/app-settings.ts";
import type { LoginListenerCallbacks } from "../src/listeners.ts";
import type { Timers } from "../src/timers.ts";

export const WAIT_MS = 5_000;

/** Timers the test fires by hand; `advance` runs everything due, including timers set while running. */
export class ManualTimers implements Timers {
	private nowMs = 0;
	private nextId = 1;
	readonly pending = new Map<number, { at: number; ms: number; callback: () => void }>();

	setTimeout(callback: () => void, ms: number): unknown {
		const id = this.nextId++;
		this.pending.set(id, { at: this.nowMs + ms, ms, callback });
		return id;
	}

	clearTimeout(handle: unknown): void {
		if (typeof handle === "number") this.pending.delete(handle);
	}

	/** The delays of the timers still pending, in the order they were set. */
	delays(): number[] {
		return [...this.pending.values()].map((timer) => timer.ms);
	}

	advance(ms: number): void {
		const until = this.nowMs + ms;
		for (;;) {
			const due = [...this.pending.entries()]
				.filter(([, timer]) => timer.at <= until)
				.sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
			if (!due) break;
			const [id, timer] = due;
			this.pending.delete(id);
			this.nowMs = timer.at;
			timer.callback();
		}
		this.nowMs = until;
	}
}

/** Resolves when `condition` holds, checking after each turn of the event loop; fails after `ms`. */
export async function waitFor(condition: () => boolean, label: string, ms = WAIT_MS): Promise<void> {
	const started = Date.now();
	while (!condition()) {
		if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${label}`);
		await new Promise<void>((resolve) => setImmediate(resolve));
	}
}

export interface RecordedRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: unknown;
}

/** The in-process server plus a fetch that records every request the SDK makes. */
export interface TestServer {
	h: Harness;
	requests: RecordedRequest[];
	fetch: FetchFunction;
	/** `METHOD /path` of every request, in order. */
	calls(): string[];
	close(): Promise<void>;
}

export async function createTestServer(): Promise<TestServer> {
	const h = await createHarness();
	const requests: RecordedRequest[] = [];
	const fetch: FetchFunction = async (input, init) => {
		const headers = Object.fromEntries(new Headers(init.headers).entries());
		const body = typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
		requests.push({ method: init.method ?? "GET", url: input, headers, body });
		return await h.app.request(input, init);
	};
	return {
		h,
		requests,
		fetch,
		calls: () => requests.map((request) => `${request.method} ${new URL(request.url).pathname}`),
		close: () => h.close(),
	};
}

/** Settings for the in-process server: plain http overrides, injected fetch, no socket unless asked. */
export function createTestSettings(server: TestServer): AppSettingsBuilder {
	return new AppSettingsBuilder()
		.overrideAdminHost("http://latchkey.test/v3.0")
		.overrideClientHost("http://latchkey.test/v3.0")
		.setFetch(server.fetch)
		.autoEstablishSocketConnection(false);
}

export type LoginEventRecord = [keyof LoginListenerCallbacks, ...unknown[]];

/** Login listener callbacks that push every event, with its arguments, onto `events`. */
export function recordLoginEvents(events: LoginEventRecord[]): LoginListenerCallbacks {
	return {
		loginSuccess: (user) => events.push(["loginSuccess", user.getUid()]),
		loginFailure: (error) => events.push(["loginFailure", error.code]),
		logoutSuccess: () => events.push(["logoutSuccess"]),
		logoutFailure: (error) => events.push(["logoutFailure", error.code]),
		sessionRevoked: (reason) => events.push(["sessionRevoked", reason]),
	};
}

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
	try {
		await promise;
	} catch (error) {
		return error;
	}
	expect.fail("expected the promise to reject");
}

/** Checks on the server whether a token still works. */
export async function getTokenStatus(h: Harness, token: string): Promise<number> {
	const res = await h.call("GET", "/v3.0/me", { token });
	return res.status;
}

/** The device id a recorded login request carried; fails the test when there is none. */
export function getDeviceId(request: RecordedRequest | undefined): string {
	const deviceId = (request?.body as { deviceId?: unknown } | undefined)?.deviceId;
	if (typeof deviceId !== "string") expect.fail("the request carries no deviceId");
	return deviceId;
}
