// A restored session whose token is then deleted through REST: 4001 closes the socket; the SDK keeps its
// stored user until a REST call tells it otherwise.
const { CometChat, shim, HOST, APP_ID, emit, buildSettings, waitForSocket, runScenario } = require("./lib.cjs");

runScenario(async () => {
	await CometChat.init(APP_ID, buildSettings());
	const user = await CometChat.getLoggedinUser();
	await waitForSocket((event) => event.kind === "received" && event.type === "auth", "auth reply");
	const res = await shim.realFetch(
		`https://${HOST}/v3/users/${user.getUid()}/auth_tokens/${encodeURIComponent(user.getAuthToken())}`,
		{ method: "DELETE", headers: { appid: APP_ID, apikey: process.env.COMPAT_REST_KEY } },
	);
	emit("deleted", { success: (await res.json()).data?.success === true });
	const closed = await waitForSocket((event) => event.kind === "close", "socket close", 5_000);
	emit("closed", { code: closed.code, reason: closed.reason });
	// 4.2.0 ignores the close code, and in our runs does not reconnect after a server close at all.
	emit("connectionStatus", { status: CometChat.getConnectionStatus() });
	emit("stillStored", { uid: (await CometChat.getLoggedinUser())?.getUid() ?? null });
});
