// What every scenario shares: the shim, the SDK from COMETCHAT_SDK_DIR, JSON result lines, a hard timeout.
const shim = require("./shim.cjs");

const SDK_DIR = process.env.COMETCHAT_SDK_DIR;
if (!SDK_DIR) throw new Error("COMETCHAT_SDK_DIR is not set");
// The proprietary SDK is never a dependency: it is loaded from outside the tree, at test time only.
const { CometChat } = require(SDK_DIR);

const HOST = process.env.COMPAT_HOST;
const APP_ID = process.env.COMPAT_APP_ID;
const HARD_TIMEOUT_MS = Number(process.env.COMPAT_TIMEOUT_MS ?? 40_000);

/** One JSON line on stdout per fact; the test asserts on them. */
function emit(event, fields = {}) {
	process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

/** The CometChatException fields a scenario may assert on (the exception is a plain object). */
function describeError(error) {
	if (error && typeof error === "object") {
		return { code: error.code, name: error.name, message: error.message };
	}
	return { code: String(error) };
}

function buildSettings(options = {}) {
	const builder = new CometChat.AppSettingsBuilder();
	if (options.presence) builder.subscribePresenceForAllUsers();
	return builder
		.setRegion("eu")
		.overrideAdminHost(`${HOST}/v3.0`)
		.overrideClientHost(`${HOST}/v3.0`)
		.autoEstablishSocketConnection(options.socket ?? true)
		.build();
}

/** Resolves with the first socket event matching `predicate` (already seen ones included), or rejects. */
function waitForSocket(predicate, label, ms = 20_000) {
	return new Promise((resolve, reject) => {
		const seen = shim.socketEvents.find(predicate);
		if (seen) return resolve(seen);
		const timer = setTimeout(() => {
			stop();
			reject(new Error(`timed out after ${ms} ms waiting for ${label}`));
		}, ms);
		const stop = shim.onSocketEvent((event) => {
			if (!predicate(event)) return;
			clearTimeout(timer);
			stop();
			resolve(event);
		});
	});
}

/** Resolves when `register(resolve)` calls back, or rejects after `ms`. */
function waitFor(register, label, ms = 20_000) {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${label}`)), ms);
		register((value) => {
			clearTimeout(timer);
			resolve(value);
		});
	});
}

/** Records LoginListener events; `until(kind)` resolves when one of that kind has fired (or already had). */
function listenToLogin() {
	const events = [];
	const waiters = new Set();
	const record = (event) => {
		events.push(event);
		for (const waiter of waiters) waiter(event);
	};
	CometChat.addLoginListener(
		"compat-login",
		new CometChat.LoginListener({
			loginSuccess: (user) => record({ kind: "loginSuccess", uid: user.getUid() }),
			loginFailure: (error) => record({ kind: "loginFailure", code: error?.code }),
			logoutSuccess: () => record({ kind: "logoutSuccess" }),
		}),
	);
	return {
		events,
		until(kind, ms = 10_000) {
			return waitFor(
				(resolve) => {
					if (events.some((event) => event.kind === kind)) return resolve();
					const waiter = (event) => {
						if (event.kind !== kind) return;
						waiters.delete(waiter);
						resolve();
					};
					waiters.add(waiter);
				},
				kind,
				ms,
			);
		},
	};
}

/** The stored user as the SDK wrote it (`common_store` values are JSON-encoded twice). */
function readStoredUser() {
	const raw = shim.readStorage(`${APP_ID}:common_store/user`);
	if (raw === null) return null;
	const once = JSON.parse(raw);
	return typeof once === "string" ? JSON.parse(once) : once;
}

/** Resolves with the stored user once `predicate(user)` holds: the SDK writes storage without awaiting it. */
function waitForStoredUser(predicate, label, ms = 5_000) {
	return waitFor(
		(resolve) => {
			const check = () => {
				const user = readStoredUser();
				if (!predicate(user)) return false;
				stop();
				resolve(user);
				return true;
			};
			const stop = shim.onStorageWrite((key) => {
				if (key === `${APP_ID}:common_store/user`) check();
			});
			check();
		},
		label,
		ms,
	);
}

/** Runs a scenario: `done` on success, `failed` on error, a hard exit if anything hangs. */
function runScenario(main) {
	const timer = setTimeout(() => {
		emit("timeout", { afterMs: HARD_TIMEOUT_MS });
		process.exit(3);
	}, HARD_TIMEOUT_MS);
	timer.unref();
	main()
		.then(
			async () => {
				// One macrotask turn: a rejection left unhandled by now has been reported to the shim.
				await new Promise((resolve) => setImmediate(resolve));
				emit("done", { unhandled: shim.unhandled });
				process.exit(0);
			},
			(error) => {
				emit("failed", { error: error instanceof Error ? error.message : describeError(error) });
				process.exit(1);
			},
		)
		.catch(() => process.exit(1));
}

module.exports = {
	CometChat,
	shim,
	HOST,
	APP_ID,
	emit,
	describeError,
	buildSettings,
	waitForSocket,
	waitFor,
	listenToLogin,
	readStoredUser,
	waitForStoredUser,
	runScenario,
};
