// Node 20 globals the official CometChat SDK 4.2.0 needs (spec/cometchat-sdk-wire.md §8), plus a record of
// its HTTP requests and socket traffic for the scenarios to report. Required BEFORE the SDK.
const { readFileSync, writeFileSync } = require("node:fs");
const { WebSocket: NodeWebSocket } = require("ws");

const storageListeners = new Set();

// Minimal Web Storage: localforage needs length/key/getItem/setItem/removeItem.
class MemoryStorage {
	constructor(entries = {}) {
		this.map = new Map(Object.entries(entries));
	}
	get length() {
		return this.map.size;
	}
	key(index) {
		const key = [...this.map.keys()][index];
		return key === undefined ? null : key;
	}
	getItem(key) {
		return this.map.has(String(key)) ? this.map.get(String(key)) : null;
	}
	setItem(key, value) {
		this.map.set(String(key), String(value));
		for (const listener of storageListeners) listener(String(key));
	}
	removeItem(key) {
		this.map.delete(String(key));
	}
	clear() {
		this.map.clear();
	}
}

const saved = process.env.COMPAT_STORAGE_IN ? JSON.parse(readFileSync(process.env.COMPAT_STORAGE_IN, "utf8")) : {};
// The UMD wrapper reads `window`, and localforage probes localStorage at load: both before require.
globalThis.window = globalThis;
globalThis.localStorage = new MemoryStorage(saved);
globalThis.sessionStorage = new MemoryStorage();
if (typeof globalThis.navigator === "undefined") {
	globalThis.navigator = { userAgent: "Mozilla/5.0 (Node.js compat suite) Linux", language: "en-US" };
}
globalThis.document = { querySelector: () => null, hasFocus: () => true };
globalThis.location = { origin: "http://localhost", hostname: "localhost", href: "http://localhost/" };
globalThis.matchMedia = () => ({ matches: false });
globalThis.screen = { width: 1280, height: 720 };

/** Every HTTP request the SDK made: method and path only (headers carry credentials). */
const requests = [];
/** Socket events: opened, sent/received frames by type, closes with code and reason. */
const socketEvents = [];
const socketListeners = new Set();

function recordSocket(event) {
	const entry = { ...event, at: performance.now() };
	socketEvents.push(entry);
	for (const listener of socketListeners) listener(entry);
}

function describeFrame(text) {
	try {
		const frame = JSON.parse(text);
		return {
			type: frame.type,
			action: frame.action,
			code: frame.body?.code,
			presence: frame.body?.presenceSubscription,
		};
	} catch {
		return { type: "unparsed" };
	}
}

globalThis.WebSocket = class extends NodeWebSocket {
	constructor(url, protocols) {
		super(url, protocols);
		recordSocket({ kind: "connecting", url: String(url) });
		// Without an error listener ws throws on a refused connect and never emits close (no reconnect).
		this.on("error", () => {});
		this.on("open", () => recordSocket({ kind: "open" }));
		this.on("message", (data) => recordSocket({ kind: "received", ...describeFrame(data.toString()) }));
		this.on("close", (code, reason) => recordSocket({ kind: "close", code, reason: reason.toString() }));
	}
	send(data) {
		recordSocket({ kind: "sent", ...describeFrame(String(data)) });
		super.send(data);
	}
};

// Node's fetch rejects referrer:"no-referrer" ("not a valid URL"), which the SDK sets on every call.
const realFetch = globalThis.fetch;
globalThis.fetch = (url, { referrer: _referrer, ...options } = {}) => {
	requests.push({ method: options.method ?? "GET", path: new URL(String(url)).pathname });
	return realFetch(url, options);
};

const unhandled = [];
process.on("unhandledRejection", (reason) => {
	unhandled.push(reason instanceof Error ? `${reason.name}: ${reason.message}` : JSON.stringify(reason));
});

module.exports = {
	requests,
	socketEvents,
	unhandled,
	onSocketEvent(listener) {
		socketListeners.add(listener);
		return () => socketListeners.delete(listener);
	},
	/** Calls `listener(key)` after every localStorage write (the SDK does not await its writes). */
	onStorageWrite(listener) {
		storageListeners.add(listener);
		return () => storageListeners.delete(listener);
	},
	readStorage(key) {
		return globalThis.localStorage.getItem(key);
	},
	saveStorage(file) {
		writeFileSync(file, JSON.stringify(Object.fromEntries(globalThis.localStorage.map)), { mode: 0o600 });
	},
	realFetch,
};
