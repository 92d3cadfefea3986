import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { WorkerStatusMessage } from "./worker-messages";

export interface AdminStatus {
  ready: boolean;
  draining: boolean;
  /** The serving workers. */
  workers: (WorkerStatusMessage & { connections: number })[];
  /** Warm spares: config loaded, not listening until one is promoted (GATEWAY_SPARE_WORKERS). */
  spares: WorkerStatusMessage[];
  /** Actively health-checked targets and their state. */
  targets: { service: string; address: string; healthy: boolean }[];
}

export interface AdminListen {
  host: string;
  port: number;
  /** When set, /status and /metrics need `Authorization: Bearer <token>`; null leaves them open. */
  token: string | null;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Whether the request carries the bearer token. Both sides are hashed first: timingSafeEqual needs equal
 * lengths, and comparing digests does not tell a caller how long the token is.
 */
function hasToken(req: IncomingMessage, expected: Buffer): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
  return match !== null && timingSafeEqual(digest(match[1]), expected);
}

/**
 * The primary's admin port: /healthz, /readyz, /status (aggregated from the workers) and /metrics. /status
 * and /metrics tell whoever asks the upstream addresses, versions and errors, so they can need a token;
 * /healthz and /readyz stay open, because load balancers probe them without credentials and they say nothing.
 */
export function startAdmin(listen: AdminListen, status: () => AdminStatus, metrics: () => Promise<string>): Server {
  const expected = listen.token === null ? null : digest(listen.token);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    const send = (code: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(code, { "content-type": "application/json", "cache-control": "no-store", ...headers }).end(text);
    };
    if (path === "/healthz") return send(200, { status: "ok" });
    if ((path === "/status" || path === "/metrics") && expected !== null && !hasToken(req, expected)) {
      return send(401, { error: { code: "UNAUTHORIZED", message: "this admin endpoint needs Authorization: Bearer <GATEWAY_ADMIN_TOKEN>" } }, { "www-authenticate": "Bearer" });
    }
    if (path === "/metrics") {
      metrics().then(
        (text) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" }).end(text),
        () => send(500, { error: { code: "METRICS_FAILED", message: "metrics could not be collected" } }),
      );
      return;
    }
    const s = status();
    if (path === "/readyz") return send(s.ready ? 200 : 503, { ready: s.ready, draining: s.draining });
    if (path === "/status") {
      const versions = s.workers.map((w) => w.version ?? 0);
      return send(200, { ...s, version: versions.length ? Math.min(...versions) : null, workers: s.workers.map(({ type: _t, ...w }) => w), spares: s.spares.map(({ type: _t, ...w }) => w) });
    }
    send(404, { error: { code: "NOT_FOUND", message: "admin endpoints: /healthz, /readyz, /status, /metrics" } });
  });
  server.listen(listen.port, listen.host);
  return server;
}
