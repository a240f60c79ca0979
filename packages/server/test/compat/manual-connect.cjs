// autoEstablishSocketConnection(false) with a presence subscription: no socket after login, then
// CometChat.connect() opens one (auth accepted, the extra body.presenceSubscription is fine), disconnect() closes it.
const { CometChat, shim, APP_ID, emit, buildSettings, waitForSocket, runScenario } = require("./lib.cjs");

runScenario(async () => {
	await CometChat.init(APP_ID, buildSettings({ socket: false, presence: true }));
	const user = await CometChat.login(process.env.COMPAT_UID, process.env.COMPAT_AUTH_KEY);
	emit("login", { uid: user.getUid(), socketEvents: shim.socketEvents.length });
	CometChat.connect();
	const sent = await waitForSocket((event) => event.kind === "sent" && event.type === "auth", "auth frame");
	emit("authFrame", { presence: sent.presence });
	const accepted = await waitForSocket((event) => event.kind === "received" && event.type === "auth", "auth reply");
	emit("authReply", { code: accepted.code });
	CometChat.disconnect();
	const closed = await waitForSocket((event) => event.kind === "close", "socket close");
	emit("closed", { code: closed.code });
});
