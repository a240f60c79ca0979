import { performance } from "node:perf_hooks";
import { WebSocket } from "ws";
import type { SetTimer } from "../src/realtime/hub.ts";
import { within } from "./wait.ts";

// A test's realtime client: the frames the official SDK sends, and a socket whose frames and close are awaited.

/** Timers the test fires by hand: the 5 s auth deadline passes without waiting 5 s. */
export class ManualTimers {
	readonly pending = new Map<number, { callback: () => void; ms: number }>();
	private next = 0;
	readonly set: SetTimer = (callback, ms) => {
		const id = this.next++;
		this.pending.set(id, { callback, ms });
		return () => this.pending.delete(id);
	};
	fire(ms: number): number {
		let fired = 0;
		for (const [id, timer] of [...this.pending]) {
			if (timer.ms !== ms) continue;
			this.pending.delete(id);
			timer.callback();
			fired += 1;
		}
		return fired;
	}
}

export interface Closed {
	code: number;
	reason: string;
	at: number;
}

export interface TestClient {
	socket: WebSocket;
	nextMessage(): Promise<Record<string, unknown>>;
	closed: Promise<Closed>;
	isOpen(): boolean;
}

export function openClient(url: string): Promise<TestClient> {
	return openClientWith(url, {});
}

export async function openClientWith(
	url: string,
	options: { autoPong?: boolean; headers?: Record<string, string> },
): Promise<TestClient> {
	const socket = new WebSocket(url, options);
	const queue: Record<string, unknown>[] = [];
	const waiters: Array<(frame: Record<string, unknown>) => void> = [];
	socket.on("message", (data) => {
		const frame = JSON.parse(data.toString()) as Record<string, unknown>;
		const waiter = waiters.shift();
		if (waiter) waiter(frame);
		else queue.push(frame);
	});
	const closed = new Promise<Closed>((resolve) => {
		socket.once("close", (code, reason) => resolve({ code, reason: reason.toString(), at: performance.now() }));
	});
	await within(
		new Promise<void>((resolve, reject) => {
			socket.once("open", () => resolve());
			socket.once("error", reject);
		}),
		"socket open",
	);
	return {
		socket,
		closed,
		isOpen: () => socket.readyState === WebSocket.OPEN,
		nextMessage: () => {
			const queued = queue.shift();
			if (queued) return Promise.resolve(queued);
			return within(new Promise((resolve) => waiters.push(resolve)), "a server frame");
		},
	};
}

/** The frame the official SDK 4.2.0 sends after open (spec/cometchat-sdk-wire.md §5). */
export function authFrame(appId: string, uid: string, jwt: string): string {
	return JSON.stringify({
		appId,
		deviceId: "WEB-4_2_0-test-device",
		type: "auth",
		sender: uid,
		body: {
			auth: jwt,
			deviceId: "WEB-4_2_0-test-device",
			params: { appInfo: { version: "4.2.0", apiVersion: "v3.0" }, platform: "javascript" },
		},
	});
}
