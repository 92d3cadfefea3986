import cluster from "node:cluster";
import { createServer } from "node:http";

// The upstream every proxy in the throughput bench forwards to: a small JSON answer, as fast as node serves it.
const port = Number(process.env.PORT);
const body = JSON.stringify({ id: "cs101", title: "Introduction to Computer Science", seats: 300 });
if (cluster.isPrimary) {
  for (let i = 0; i < Number(process.env.WORKERS ?? 1); i++) cluster.fork();
  process.on("SIGTERM", () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, "127.0.0.1");
}
