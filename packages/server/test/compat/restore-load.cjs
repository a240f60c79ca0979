// A new process restores the saved session: init + getLoggedinUser() make no request; the stored JWT opens the socket.
const { CometChat, shim, APP_ID, emit, buildSettings, waitForSocket, runScenario } = require("./lib.cjs");

runScenario(async () => {
	await CometChat.init(APP_ID, buildSettings());
	const user = await CometChat.getLoggedinUser();
	emit("restored", { uid: user?.getUid(), name: user?.getName(), hasToken: Boolean(user?.getAuthToken()) });
	emit("requestsAfterRestore", { requests: [...shim.requests] });
	const accepted = await waitForSocket((event) => event.kind === "received" && event.type === "auth", "auth reply");
	emit("authReply", { code: accepted.code });
	emit("requests", { requests: shim.requests });
});
