// While logged in, the token is deleted through REST: our 4001 close reaches the SDK's socket; the next REST
// call answers AUTH_ERR_AUTH_TOKEN_NOT_FOUND and the SDK logs itself out.
const {
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
	runScenario,
} = require("./lib.cjs");

runScenario(async () => {
	const uid = process.env.COMPAT_UID;
	const login = listenToLogin();
	await CometChat.init(APP_ID, buildSettings());
	const disconnected = waitFor((resolve) => {
		CometChat.addConnectionListener("compat", new CometChat.ConnectionListener({ onDisconnected: () => resolve() }));
	}, "onDisconnected");
	const user = await CometChat.login(uid, process.env.COMPAT_AUTH_KEY);
	await waitForSocket((event) => event.kind === "received" && event.type === "auth", "auth reply");

	const startedAt = performance.now();
	const res = await shim.realFetch(
		`https://${HOST}/v3/users/${uid}/auth_tokens/${encodeURIComponent(user.getAuthToken())}`,
		{ method: "DELETE", headers: { appid: APP_ID, apikey: process.env.COMPAT_REST_KEY } },
	);
	const deleted = await res.json();
	const closed = await waitForSocket((event) => event.kind === "close", "socket close", 5_000);
	emit("revoked", {
		deleted: deleted.data?.success === true,
		code: closed.code,
		reason: closed.reason,
		closeAfterMs: Math.round((closed.at - startedAt) * 10) / 10,
	});
	await disconnected;
	emit("onDisconnected");
	// SDK 4.2.0 ignores close codes; after a fresh login() it does not even reconnect (see docs/realtime.md).
	emit("connectionStatus", { status: CometChat.getConnectionStatus() });

	try {
		const change = new CometChat.User(uid);
		change.setName("after revocation");
		await CometChat.updateCurrentUserDetails(change);
		emit("nextCall", { error: null });
	} catch (error) {
		emit("nextCall", { error: describeError(error) });
	}
	await login.until("logoutSuccess");
	emit("selfLogout", {
		loggedIn: (await CometChat.getLoggedinUser())?.getUid() ?? null,
		stored: readStoredUser() !== null,
	});
	emit("loginEvents", { events: login.events });
});
