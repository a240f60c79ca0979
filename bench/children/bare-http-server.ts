import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

// The machine's own limit: node:http answering a small JSON body, nothing else on the path.
const BODY = JSON.stringify({ data: { status: "ok" } });

const server = createServer((_request, response) => {
	response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) });
	response.end(BODY);
});
server.listen(0, "127.0.0.1", () => {
	console.log(`ready port ${(server.address() as AddressInfo).port}`);
});
process.once("SIGTERM", () => server.close());
