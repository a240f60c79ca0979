// Issue 14: after login(authToken), CometChat.getUser(uid) and UsersRequestBuilder against Latchkey, with the query
// strings the SDK sends; then the token is revoked over REST and the next read is refused.
const {
	CometChat,
	shim,
	HOST,
	APP_ID,
	emit,
	describeError,
	buildSettings,
	waitForSocket,
	runScenario,
} = require("./lib.cjs");

// The shim records paths only; the query strings are what this scenario is about.
const queries = [];
const shimFetch = globalThis.fetch;
globalThis.fetch = (url, options) => {
	const parsed = new URL(String(url));
	if (parsed.pathname.startsWith("/v3.0/users"))
		queries.push(`${options?.method ?? "GET"} ${parsed.pathname}${parsed.search}`);
	return shimFetch(url, options);
};

function describeUser(user) {
	return { uid: user.getUid(), name: user.getName(), status: user.getStatus(), metadata: user.getMetadata() ?? null };
}

/** fetchNext() until the SDK answers an empty page; every page's uids. */
async function fetchAll(request) {
	const pages = [];
	for (let i = 0; i < 10; i++) {
		const users = await request.fetchNext();
		pages.push(users.map((user) => user.getUid()));
		if (users.length === 0) break;
	}
	return pages;
}

async function attempt(label, read) {
	try {
		emit(label, { result: await read() });
	} catch (error) {
		emit(label, { error: describeError(error) });
	}
}

runScenario(async () => {
	const token = process.env.COMPAT_AUTH_TOKEN;
	await CometChat.init(APP_ID, buildSettings());
	const me = await CometChat.login(token);
	await waitForSocket((event) => event.kind === "received" && event.type === "auth", "auth reply");
	emit("login", { uid: me.getUid() });

	await attempt("getUser", async () => describeUser(await CometChat.getUser("UR-AL1")));
	await attempt("getDeactivated", async () => describeUser(await CometChat.getUser("ur-gone")));

	const paged = new CometChat.UsersRequestBuilder().setLimit(2).setSearchKeyword("ur-al").build();
	emit("paged", { pages: await fetchAll(paged) });

	const online = new CometChat.UsersRequestBuilder()
		.setLimit(30)
		.setSearchKeyword("ur-")
		.setStatus(CometChat.USER_STATUS.ONLINE)
		.build();
	emit("online", { users: (await online.fetchNext()).map(describeUser) });

	const offline = new CometChat.UsersRequestBuilder()
		.setLimit(30)
		.setSearchKeyword("ur-")
		.setStatus(CometChat.USER_STATUS.OFFLINE)
		.build();
	emit("offline", { uids: (await offline.fetchNext()).map((user) => user.getUid()) });

	const deactivated = new CometChat.UsersRequestBuilder().setLimit(30).setSearchKeyword("ur-gone").build();
	emit("deactivated", { uids: (await deactivated.fetchNext()).map((user) => user.getUid()) });

	emit("queries", { queries: [...queries] });

	const tokenId = token.split(".")[0];
	const res = await shim.realFetch(`https://${HOST}/v3/users/${me.getUid()}/auth_tokens/${tokenId}`, {
		method: "DELETE",
		headers: { appid: APP_ID, apikey: process.env.COMPAT_REST_KEY },
	});
	emit("revoked", { status: res.status });
	await attempt("afterRevoke", async () => describeUser(await CometChat.getUser("ur-al1")));
});
