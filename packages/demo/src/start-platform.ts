import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { DEMO_SERVICES, type DemoServiceDefinition } from "./demo-services";

/** Behaviour an instance can be told to take on, for resilience demos: `POST /__demo/chaos`. */
export interface Chaos {
  latencyMs: number;
  /** Share of requests, 0..1, answered with failStatus. */
  failRate: number;
  failStatus: number;
}

export interface DemoInstance {
  service: string;
  instance: string;
  host: string;
  port: number;
  chaos: Chaos;
}

export interface DemoPlatform {
  instances: DemoInstance[];
  stop(): Promise<void>;
}

const CALM: Chaos = { latencyMs: 0, failRate: 0, failStatus: 503 };
const MAX_BODY = 1 << 20;

function send(res: ServerResponse, instance: DemoInstance, status: number, body: unknown) {
  const payload = JSON.stringify(body && typeof body === "object" && !Array.isArray(body) ? { ...body, instance: instance.instance } : body);
  res.writeHead(status, { "content-type": "application/json", "x-demo-instance": instance.instance, "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        fail(new Error("body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}

function parseChaos(text: string, current: Chaos): Chaos | string {
  let input: Partial<Chaos>;
  try {
    input = text ? JSON.parse(text) : {};
  } catch {
    return "body must be JSON";
  }
  const next = { ...current, ...input };
  if (!Number.isInteger(next.latencyMs) || next.latencyMs < 0 || next.latencyMs > 120_000) return "latencyMs must be a whole number from 0 to 120000";
  if (typeof next.failRate !== "number" || next.failRate < 0 || next.failRate > 1) return "failRate must be a number from 0 to 1";
  if (!Number.isInteger(next.failStatus) || next.failStatus < 400 || next.failStatus > 599) return "failStatus must be 400..599";
  return next;
}

async function handle(def: DemoServiceDefinition, instance: DemoInstance, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://demo");
  const text = await readBody(req);
  if (url.pathname === "/__demo/chaos") {
    if (req.method === "POST") {
      const next = parseChaos(text, instance.chaos);
      if (typeof next === "string") return send(res, instance, 422, { error: next });
      instance.chaos = next;
    }
    return send(res, instance, 200, { chaos: instance.chaos });
  }
  if (url.pathname === "/health") return send(res, instance, 200, { status: "ok", service: def.name });
  const { latencyMs, failRate, failStatus } = instance.chaos;
  if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
  if (failRate > 0 && Math.random() < failRate) return send(res, instance, failStatus, { error: "injected failure" });
  for (const e of def.endpoints) {
    if (e.method !== req.method) continue;
    const m = e.pattern.exec(url.pathname);
    if (!m) continue;
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, instance, 400, { error: "body must be JSON" });
      }
    }
    const answer = e.handle({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams, body }, m.slice(1));
    return send(res, instance, answer.status, answer.body);
  }
  send(res, instance, 404, { error: `no ${req.method} ${url.pathname} on ${def.name}`, service: def.name });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      const a = server.address();
      ok(typeof a === "object" && a ? a.port : port);
    });
  });
}

/**
 * Starts every demo service with two instances each. With basePort set, instances take consecutive ports
 * from it (stable across restarts, so the seeded config keeps pointing at them); with 0, free ports.
 */
export async function startDemoPlatform(options: { basePort?: number; host?: string; instancesPerService?: number } = {}): Promise<DemoPlatform> {
  const host = options.host ?? "127.0.0.1";
  const perService = options.instancesPerService ?? 2;
  const servers: Server[] = [];
  const instances: DemoInstance[] = [];
  let port = options.basePort ?? 4001;
  try {
    for (const def of DEMO_SERVICES) {
      for (let i = 1; i <= perService; i++) {
        const instance: DemoInstance = { service: def.name, instance: `${def.name}-${i}`, host, port: 0, chaos: { ...CALM } };
        const server = createServer((req, res) => {
          handle(def, instance, req, res).catch(() => {
            if (!res.headersSent) send(res, instance, 400, { error: "bad request" });
            else res.destroy();
          });
        });
        server.keepAliveTimeout = 65_000;
        servers.push(server);
        try {
          instance.port = await listen(server, port === 0 ? 0 : port++, host);
        } catch (error) {
          throw new Error(`demo ${instance.instance} could not listen on ${host}:${port - 1}: ${(error as Error).message} (set DEMO_BASE_PORT to move the demo)`);
        }
        instances.push(instance);
      }
    }
  } catch (error) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw error;
  }
  return {
    instances,
    stop: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise((r) => {
              s.closeAllConnections();
              s.close(r);
            }),
        ),
      );
    },
  };
}
