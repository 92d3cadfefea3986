/**
 * The console's HTTP server: Next's request handler behind one step that Next itself does not take. Next keeps a
 * client's own X-Forwarded-For and X-Forwarded-Proto; here both are rewritten from the socket (see
 * src/server/http/forwarded.ts), so only CONSOLE_TRUSTED_PROXIES can say who the client is and whether it used HTTPS.
 */
import { createServer } from "node:http";
import type { TLSSocket } from "node:tls";
import next from "next";
import { parseTrustedProxies, resolveForwarded } from "./src/server/http/forwarded";

const port = Number(process.env.CONSOLE_PORT ?? 3000);
const hostname = process.env.CONSOLE_HOST ?? "127.0.0.1";
const trusted = parseTrustedProxies(process.env.CONSOLE_TRUSTED_PROXIES);
const app = next({ dev: false, dir: import.meta.dirname, hostname, port });

await app.prepare();
const handle = app.getRequestHandler();
const server = createServer((req, res) => {
  const forwarded = resolveForwarded(req.socket.remoteAddress, req.headers, Boolean((req.socket as TLSSocket).encrypted), trusted);
  req.headers["x-forwarded-for"] = forwarded.clientIp;
  req.headers["x-forwarded-proto"] = forwarded.proto;
  delete req.headers["x-forwarded-host"];
  delete req.headers["x-real-ip"];
  delete req.headers.forwarded;
  handle(req, res).catch((error: unknown) => {
    console.error("[console] request failed:", error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"code":"INTERNAL"}}');
    else res.destroy();
  });
});
server.listen(port, hostname, () => console.log(`[console] ready on http://${hostname}:${port}`));
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => server.close(() => process.exit(0)));
