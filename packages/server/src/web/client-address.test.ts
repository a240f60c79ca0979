import { expect, test } from "vitest";
import { clientAddress } from "./client-address.ts";

test("clientAddress() ignores X-Forwarded-For unless the proxy is trusted", () => {
	expect(clientAddress({ remoteAddress: "10.0.0.9", forwardedFor: "1.2.3.4", trustProxy: false })).toBe("10.0.0.9");
	expect(clientAddress({ remoteAddress: undefined, forwardedFor: undefined, trustProxy: false })).toBe("unknown");
});

test("clientAddress() behind a trusted proxy takes the last X-Forwarded-For entry, never a client-written one", () => {
	expect(clientAddress({ remoteAddress: "10.0.0.9", forwardedFor: "6.6.6.6, 1.2.3.4", trustProxy: true })).toBe(
		"1.2.3.4",
	);
	expect(clientAddress({ remoteAddress: "10.0.0.9", forwardedFor: ["6.6.6.6", "1.2.3.4"], trustProxy: true })).toBe(
		"1.2.3.4",
	);
	expect(clientAddress({ remoteAddress: "10.0.0.9", forwardedFor: undefined, trustProxy: true })).toBe("10.0.0.9");
	expect(clientAddress({ remoteAddress: "10.0.0.9", forwardedFor: " ", trustProxy: true })).toBe("10.0.0.9");
});
