// Fake registry mirrors for the preflight benchmark, on 127.0.0.1 only: HEALTHY servers answer
// `GET /v2/` with 200 at once, HUNG ones accept connections and never answer. Prints the URLs
// as one JSON line, then serves until stdin closes (the benchmark ends it).
import { createServer } from "node:http";
import { createServer as createTcpServer } from "node:net";

const healthy = Number(process.argv[2] ?? 15);
const hung = Number(process.argv[3] ?? 5);
const listen = (server) => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));

const urls = { healthy: [], hung: [] };
const sockets = new Set();
for (let i = 0; i < healthy; i++) {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json", "docker-distribution-api-version": "registry/2.0" });
    res.end("{}");
  });
  urls.healthy.push(`http://127.0.0.1:${await listen(server)}`);
}
for (let i = 0; i < hung; i++) {
  const server = createTcpServer((socket) => {
    sockets.add(socket); // keep it open, say nothing
    socket.on("error", () => {});
  });
  urls.hung.push(`http://127.0.0.1:${await listen(server)}`);
}
process.stdout.write(`${JSON.stringify(urls)}\n`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
setTimeout(() => process.exit(0), 10 * 60 * 1000).unref(); // never outlive a forgotten benchmark
