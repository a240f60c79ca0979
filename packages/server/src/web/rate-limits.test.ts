import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { LocalWindowCounter } from "./rate-limits.ts";

beforeEach(() => {
	vi.useFakeTimers({ toFake: ["Date"] });
	vi.setSystemTime(Date.UTC(2026, 0, 1));
});
afterEach(() => {
	vi.useRealTimers();
});

const START = Date.UTC(2026, 0, 1);

test("a window starts at its key's first count, refuses past its points, and starts again when it ends", () => {
	const counter = new LocalWindowCounter(2, 60);
	expect(counter.consume("app")).toEqual({ allowed: true, limit: 2, remaining: 1, resetAtMs: START + 60_000 });
	vi.setSystemTime(START + 59_999);
	expect(counter.consume("app")).toEqual({ allowed: true, limit: 2, remaining: 0, resetAtMs: START + 60_000 });
	expect(counter.consume("app")).toEqual({ allowed: false, limit: 2, remaining: 0, resetAtMs: START + 60_000 });
	// Another key has a window of its own.
	expect(counter.consume("other")).toEqual({ allowed: true, limit: 2, remaining: 1, resetAtMs: START + 119_999 });
	vi.setSystemTime(START + 60_000);
	expect(counter.consume("app")).toEqual({ allowed: true, limit: 2, remaining: 1, resetAtMs: START + 120_000 });
});

test("a count of several points is spent at once", () => {
	const counter = new LocalWindowCounter(10, 60);
	expect(counter.consume("app", 10).allowed).toBe(true);
	expect(counter.consume("app", 1)).toEqual({ allowed: false, limit: 10, remaining: 0, resetAtMs: START + 60_000 });
});

test("windows that ended are swept, so the map stays within twice the keys one window counted", () => {
	const counter = new LocalWindowCounter(1, 60);
	const size = (): number => (counter as unknown as { windows: Map<string, unknown> }).windows.size;
	for (let i = 0; i < 5000; i++) counter.consume(`key-${i}`);
	expect(size()).toBe(5000);
	vi.setSystemTime(START + 60_000);
	// The next sweep is due at 8192 keys (twice the 4096 left by the last one): it drops the 5000 ended windows.
	for (let i = 0; i < 3200; i++) counter.consume(`fresh-${i}`);
	expect(size()).toBe(3200);
	// Counting an old key again starts it afresh.
	expect(counter.consume("key-1")).toEqual({ allowed: true, limit: 1, remaining: 0, resetAtMs: START + 120_000 });
});
