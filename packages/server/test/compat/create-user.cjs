// createUser(user, authKey), the same uid again, then login as the new user.
const { CometChat, APP_ID, emit, describeError, buildSettings, runScenario } = require("./lib.cjs");

runScenario(async () => {
	const uid = process.env.COMPAT_NEW_UID;
	const authKey = process.env.COMPAT_AUTH_KEY;
	await CometChat.init(APP_ID, buildSettings({ socket: false }));
	const user = new CometChat.User(uid);
	user.setName(`Created ${uid}`);
	const created = await CometChat.createUser(user, authKey);
	emit("created", { uid: created.getUid(), name: created.getName() });
	try {
		await CometChat.createUser(user, authKey);
		emit("duplicate", { error: null });
	} catch (error) {
		emit("duplicate", { error: describeError(error) });
	}
	const loggedIn = await CometChat.login(uid, authKey);
	emit("login", { uid: loggedIn.getUid(), name: loggedIn.getName() });
});
