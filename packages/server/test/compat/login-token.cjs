// login(authToken) with a token minted by REST: exactly one PUT /me, and the socket's auth is accepted.
const { CometChat, shim, APP_ID, emit, buildSettings, waitForSocket, runScenario } = require("./lib.cjs");

runScenario(async () => {
	const token = process.env.COMPAT_AUTH_TOKEN;
	await CometChat.init(APP_ID, buildSettings());
	const user = await CometChat.login(token);
	emit("login", { uid: user.getUid(), sameToken: user.getAuthToken() === token });
	const accepted = await waitForSocket((event) => event.kind === "received" && event.type === "auth", "auth reply");
	emit("authReply", { code: accepted.code });
	emit("requests", { requests: shim.requests });
});
