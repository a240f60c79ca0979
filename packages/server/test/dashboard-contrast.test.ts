import { expect, test } from "vitest";
import { STYLESHEET } from "../src/dashboard/style.ts";

function luminance(hex: string): number {
	const channels = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
	const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(foreground: string, background: string): number {
	const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
	return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

// Every text colour of the stylesheet on the backgrounds it is drawn on.
const PAIRS: Array<[string, string, string]> = [
	["body text", "#1f2933", "#f5f7fa"],
	["text in cards", "#1f2933", "#ffffff"],
	["muted text and hints", "#52606d", "#ffffff"],
	["muted text on the page", "#52606d", "#f5f7fa"],
	["table headers", "#52606d", "#f0f4f8"],
	["links", "#1d4ed8", "#ffffff"],
	["links on the page", "#1d4ed8", "#f5f7fa"],
	["primary buttons", "#ffffff", "#1d4ed8"],
	["danger buttons", "#ffffff", "#b42318"],
	["header text", "#ffffff", "#102a43"],
	["header email", "#d9e2ec", "#102a43"],
	["error alerts", "#7a271a", "#fef3f2"],
	["field errors", "#b42318", "#ffffff"],
	["success alerts", "#054f31", "#ecfdf3"],
	["one-time secret alerts", "#7a2e0e", "#fffaeb"],
	["sample badge", "#7a2e0e", "#fef0c7"],
	["fullAccess badge", "#7a271a", "#fee4e2"],
	["authOnly badge", "#194185", "#d1e9ff"],
	["plain badge", "#1f2933", "#e4e7eb"],
	["avatar initials", "#ffffff", "#334e68"],
];

test.each(PAIRS)("%s meet WCAG AA (4.5:1)", (_name, foreground, background) => {
	expect(STYLESHEET).toContain(foreground === "#ffffff" ? "#fff" : foreground);
	expect(STYLESHEET).toContain(background === "#ffffff" ? "#fff" : background);
	expect(contrast(foreground, background)).toBeGreaterThanOrEqual(4.5);
});

test("focus is visible: a 3px outline in the link colour (3:1 against the page)", () => {
	expect(STYLESHEET).toContain(":focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}");
	expect(contrast("#1d4ed8", "#f5f7fa")).toBeGreaterThanOrEqual(3);
});
