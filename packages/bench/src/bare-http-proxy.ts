import cluster from "node:cluster";
import { Agent, createServer } from "node:http";
import httpProxy from "http-proxy";

// The library alone: http-proxy in a node:cluster with the same worker count as the gateway, one fixed
// target, nothing else. The floor that Bulwark's own pipeline is measured against.
const port = Number(process.env.PORT);
const target = { host: "127.0.0.1", port: Number(process.env.UPSTREAM_PORT) };
const workers = Number(process.env.WORKERS ?? 2);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on("SIGTERM", () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const proxy = httpProxy.createProxyServer({ agent: new Agent({ keepAlive: true, maxSockets: 256 }) });
  proxy.on("error", (_err, _req, res) => {
    if ("writeHead" in res && !res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  createServer((req, res) => proxy.web(req, res, { target })).listen(port, "127.0.0.1");
}
