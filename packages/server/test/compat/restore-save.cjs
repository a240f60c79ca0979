// Log in, rename through updateCurrentUserDetails, then save storage for restore-load.cjs (no logout).
const {
	CometChat,
	shim,
	APP_ID,
	emit,
	buildSettings,
	waitForSocket,
	waitForStoredUser,
	runScenario,
} = require("./lib.cjs");

runScenario(async () => {
	const uid = process.env.COMPAT_UID;
	await CometChat.init(APP_ID, buildSettings());
	const user = await CometChat.login(uid, process.env.COMPAT_AUTH_KEY);
	const token = user.getAuthToken();
	await waitForSocket((event) => event.kind === "received" && event.type === "auth", "auth reply");
	const before = await waitForStoredUser((stored) => typeof stored?.jwt === "string", "the logged-in user in storage");

	const change = new CometChat.User(uid);
	change.setName(`Renamed ${uid}`);
	const updated = await CometChat.updateCurrentUserDetails(change);
	const after = await waitForStoredUser((stored) => stored?.name === `Renamed ${uid}`, "the renamed user in storage");
	emit("updated", {
		name: updated.getName(),
		storedName: after?.name,
		storedTokenKept: after?.authToken === token,
		storedJWTKept: typeof after?.jwt === "string" && after.jwt === before?.jwt,
	});
	shim.saveStorage(process.env.COMPAT_STORAGE_OUT);
	emit("saved");
});
