// login(uid, authKey) and createUser(user, authKey) under the app's Auth Key guardrails (issue 15): what each
// answers, as the SDK surfaces it.
const { CometChat, APP_ID, emit, describeError, buildSettings, runScenario } = require("./lib.cjs");

runScenario(async () => {
	const authKey = process.env.COMPAT_AUTH_KEY;
	await CometChat.init(APP_ID, buildSettings({ socket: false }));
	try {
		const user = await CometChat.login(process.env.COMPAT_UID, authKey);
		emit("login", { uid: user.getUid() });
		await CometChat.logout();
	} catch (error) {
		emit("login", { error: describeError(error) });
	}
	try {
		const user = new CometChat.User(process.env.COMPAT_NEW_UID);
		user.setName("Guarded");
		const created = await CometChat.createUser(user, authKey);
		emit("createUser", { uid: created.getUid() });
	} catch (error) {
		emit("createUser", { error: describeError(error) });
	}
});
