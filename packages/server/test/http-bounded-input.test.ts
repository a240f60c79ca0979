import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { MAX_JSON_DEPTH, parseInput } from "../src/domain/validation.ts";
import { MAX_BODY_BYTES } from "../src/http/app.ts";
import { createHarness, type Harness } from "./harness.ts";
import { expectError, mintToken } from "./helpers.ts";

let h: Harness;
beforeEach(async () => {
	h = await createHarness();
});
afterEach(async () => {
	await h.close();
});

const INVALID = "Failed to validate the data sent with the request.";

/** `levels` nested objects, `{"a":{"a":…{}}}`, as JSON text (never through JSON.stringify, which recurses). */
function nestedObjectText(levels: number): string {
	return `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;
}

/** `levels` nested arrays, `[[…[]]]`: the deepest nesting a body under the size limit can carry. */
function nestedArrayText(levels: number): string {
	return `${"[".repeat(levels)}${"]".repeat(levels)}`;
}

/** CPU time (user + system) spent by this process in `run`, in ms. */
async function measureCPU(run: () => Promise<void>): Promise<number> {
	const before = process.cpuUsage();
	await run();
	const spent = process.cpuUsage(before);
	return (spent.user + spent.system) / 1000;
}

describe("nesting depth of JSON bodies", () => {
	test(`a body nested ${MAX_JSON_DEPTH} levels deep is accepted; ${MAX_JSON_DEPTH + 1} is 400 naming the field`, async () => {
		// The body object is level 1, so metadata holds the other levels.
		const accepted = `{"uid":"deep32","name":"D","metadata":${nestedObjectText(MAX_JSON_DEPTH - 1)}}`;
		expect((await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: accepted })).status).toBe(200);
		const refused = `{"uid":"deep33","name":"D","metadata":${nestedObjectText(MAX_JSON_DEPTH)}}`;
		await expectError(
			await h.call("POST", "/v3/users", { key: h.seed.restApiKey, body: refused }),
			400,
			"ERR_BAD_REQUEST",
			INVALID,
			{
				metadata: [`The metadata may not be nested more than ${MAX_JSON_DEPTH} levels deep.`],
			},
		);
		expect((await h.call("GET", "/v3/users/deep33", { key: h.seed.restApiKey })).status).toBe(404);
	});

	test("the deepest appInfo that fits in a body is refused with 400 in well under 50 ms of CPU, on every route", async () => {
		const token = await mintToken(h, "superhero1");
		const levels = Math.floor((MAX_BODY_BYTES - 64) / 2);
		const body = `{"appInfo":{"a":${nestedArrayText(levels)}}}`;
		expect(body.length).toBeLessThanOrEqual(MAX_BODY_BYTES);
		const details = { appInfo: [`The appInfo may not be nested more than ${MAX_JSON_DEPTH} levels deep.`] };
		const calls: Array<() => Promise<Response>> = [
			() => h.call("PUT", "/v3.0/me", { token: token.authToken, body }),
			() => h.call("POST", "/v3/users/superhero1/auth_tokens", { key: h.seed.restApiKey, body }),
			() => h.call("PUT", `/v3/users/superhero1/auth_tokens/${token.id}`, { key: h.seed.restApiKey, body }),
		];
		for (const call of calls) {
			let res: Response | undefined;
			const cpuMs = await measureCPU(async () => {
				res = await call();
			});
			await expectError(res as Response, 400, "ERR_BAD_REQUEST", INVALID, details);
			expect(cpuMs).toBeLessThan(50);
		}
	});

	test("a body nested 10,000 levels deep costs well under 50 ms of CPU to refuse and never overflows the stack", async () => {
		const value = JSON.parse(`{"appInfo":${nestedArrayText(10_000)}}`) as unknown;
		let caught: unknown;
		const cpuMs = await measureCPU(async () => {
			try {
				parseInput(z.object({ appInfo: z.unknown() }), value);
			} catch (error) {
				caught = error;
			}
		});
		expect(caught).toMatchObject({
			code: "ERR_BAD_REQUEST",
			details: { appInfo: [`The appInfo may not be nested more than ${MAX_JSON_DEPTH} levels deep.`] },
		});
		expect(cpuMs).toBeLessThan(50);
	});
});

describe("list-valued query parameters", () => {
	const items = (count: number): string => Array.from({ length: count }, (_, index) => `t${index}`).join(",");

	test("100 tags are accepted; 101 are 400 naming the parameter", async () => {
		const ok = await h.call("GET", `/v3/users?tags=${items(100)}`, { key: h.seed.restApiKey });
		expect(ok.status).toBe(200);
		await expectError(
			await h.call("GET", `/v3/users?tags=${items(101)}`, { key: h.seed.restApiKey }),
			400,
			"ERR_BAD_REQUEST",
			INVALID,
			{ tags: ["The tags may not have more than 100 items."] },
		);
	});

	test("999 items in repeated roles[] or searchIn are 400, not 500", async () => {
		const repeated = Array.from({ length: 999 }, (_, index) => `roles[]=r${index}`).join("&");
		await expectError(
			await h.call("GET", `/v3/users?${repeated}`, { key: h.seed.restApiKey }),
			400,
			"ERR_BAD_REQUEST",
			INVALID,
			{
				roles: ["The roles may not have more than 100 items."],
			},
		);
		await expectError(
			await h.call("GET", `/v3/users?searchIn=${items(999)}`, { key: h.seed.restApiKey }),
			400,
			"ERR_BAD_REQUEST",
			INVALID,
			{ searchIn: ["The searchIn may not have more than 100 items."] },
		);
		const tags = await h.call("GET", `/v3/users?tags=${items(999)}`, { key: h.seed.restApiKey });
		expect(tags.status).toBe(400);
	});
});
