// The error the SDK surfaces for one bad login (COMPAT_CASE), the events it fires, and that nothing hangs.
const {
	CometChat,
	shim,
	APP_ID,
	emit,
	describeError,
	buildSettings,
	listenToLogin,
	runScenario,
} = require("./lib.cjs");

const CASES = {
	"unknown-uid": () => CometChat.login(process.env.COMPAT_UNKNOWN_UID, process.env.COMPAT_AUTH_KEY),
	"wrong-auth-key": () => CometChat.login(process.env.COMPAT_UID, process.env.COMPAT_WRONG_KEY),
	"token-as-auth-key": () => CometChat.login(process.env.COMPAT_UID, process.env.COMPAT_WRONG_KEY),
	"unknown-token": () => CometChat.login(process.env.COMPAT_AUTH_TOKEN),
	"revoked-token": () => CometChat.login(process.env.COMPAT_AUTH_TOKEN),
};

runScenario(async () => {
	const attempt = CASES[process.env.COMPAT_CASE];
	if (!attempt) throw new Error(`unknown COMPAT_CASE ${process.env.COMPAT_CASE}`);
	const login = listenToLogin();
	await CometChat.init(APP_ID, buildSettings());
	try {
		const user = await attempt();
		emit("result", { uid: user.getUid() });
	} catch (error) {
		emit("result", { error: describeError(error) });
	}
	emit("loggedInAfter", { user: (await CometChat.getLoggedinUser())?.getUid() ?? null });
	emit("loginEvents", { events: login.events });
	emit("requests", { requests: shim.requests });
});
