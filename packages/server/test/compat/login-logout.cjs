// login(uid, authKey) → getLoggedinUser() → onConnected, auth accepted, ping answered → logout() → token dead.
const {
	CometChat,
	shim,
	HOST,
	APP_ID,
	emit,
	buildSettings,
	waitForSocket,
	waitFor,
	listenToLogin,
	readStoredUser,
	runScenario,
} = require("./lib.cjs");

runScenario(async () => {
	const uid = process.env.COMPAT_UID;
	const login = listenToLogin();
	await CometChat.init(APP_ID, buildSettings());
	emit("init", { requests: shim.requests.length });
	const connected = waitFor((resolve) => {
		CometChat.addConnectionListener("compat", new CometChat.ConnectionListener({ onConnected: () => resolve() }));
	}, "onConnected");

	const user = await CometChat.login(uid, process.env.COMPAT_AUTH_KEY);
	const token = user.getAuthToken();
	emit("login", { uid: user.getUid(), name: user.getName(), tokenPrefix: token.slice(0, 5) });
	const stored = await CometChat.getLoggedinUser();
	emit("getLoggedinUser", { uid: stored?.getUid(), sameToken: stored?.getAuthToken() === token });

	await connected;
	emit("onConnected");
	const accepted = await waitForSocket((event) => event.kind === "received" && event.type === "auth", "auth reply");
	emit("authReply", { code: accepted.code });
	// The SDK pings 15 s after the auth reply, then waits 3 s for the pong.
	await waitForSocket((event) => event.kind === "sent" && event.action === "ping", "the SDK's ping", 20_000);
	await waitForSocket((event) => event.kind === "received" && event.action === "pong", "our pong", 5_000);
	emit("pong");

	const result = await CometChat.logout();
	emit("logout", { success: result?.success });
	const closed = await waitForSocket((event) => event.kind === "close", "socket close");
	emit("socketClosed", { code: closed.code, reason: closed.reason });
	emit("storedUserAfterLogout", { present: readStoredUser() !== null });

	const me = await shim.realFetch(`https://${HOST}/v3.0/me`, { headers: { appid: APP_ID, authtoken: token } });
	emit("restAfterLogout", { code: (await me.json()).error?.code });
	emit("loginEvents", { events: login.events });
	emit("requests", { requests: shim.requests });
});
