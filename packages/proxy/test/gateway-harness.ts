import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { getFreePort } from "@bulwark/db/test-database";
import { spawn, type ChildProcess } from "node:child_process";

const REPO = resolve(import.meta.dirname, "../../..");

// A test that fails or times out must not leave gateways behind to load the machine.
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

interface WorkerStatus {
  id: string;
  pid: number;
  version: number | null;
  rejectedVersion: number | null;
  lastError: string | null;
  source: string | null;
  ready: boolean;
  /** Client connections open on the worker, as it last reported. */
  connections: number;
}

export interface Gateway {
  url: string;
  adminUrl: string;
  stateDir: string;
  process: ChildProcess;
  /** Output of the gateway so far, for failure messages. */
  output(): string;
  status(): Promise<{ ready: boolean; workers: WorkerStatus[]; spares: WorkerStatus[] }>;
  /** Polls until every worker runs `version` (or later). */
  waitForVersion(version: number, workers?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the real gateway (cluster primary + workers) as a child process on free ports. */
export async function startGateway(options: { databaseUrl: string; workers?: number; stateDir?: string; env?: Record<string, string>; waitReady?: boolean }): Promise<Gateway> {
  const [port, adminPort] = [await getFreePort(), await getFreePort()];
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "bulwark-gw-"));
  let output = "";
  const proc = spawn(process.execPath, ["--import", "tsx", join(REPO, "packages/proxy/src/main.ts")], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      GATEWAY_HOST: "127.0.0.1",
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(adminPort),
      GATEWAY_WORKERS: String(options.workers ?? 2),
      GATEWAY_STATE_DIR: stateDir,
      GATEWAY_POLL_MS: "500",
      GATEWAY_HEARTBEAT_MS: "500",
      LOG_LEVEL: "warn",
      // A loaded test machine stalls event loops; shedding is tested through the in-flight limit instead.
      GATEWAY_SHED_LAG_MS: "60000",
      ...options.env,
    },
  });
  children.add(proc);
  proc.once("exit", () => children.delete(proc));
  const collect = (c: Buffer) => {
    output = (output + c.toString("utf8")).slice(-20_000);
  };
  proc.stdout!.on("data", collect);
  proc.stderr!.on("data", collect);
  const exited = new Promise<void>((ok) => proc.once("exit", () => ok()));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  // With GATEWAY_ADMIN_TOKEN set, /status needs it too.
  const token = options.env?.GATEWAY_ADMIN_TOKEN;
  const adminHeaders: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const gw: Gateway = {
    url: `http://127.0.0.1:${port}`,
    adminUrl,
    stateDir,
    process: proc,
    output: () => output,
    status: async () => (await (await fetch(`${adminUrl}/status`, { headers: adminHeaders })).json()) as { ready: boolean; workers: WorkerStatus[]; spares: WorkerStatus[] },
    waitForVersion: async (version, workers = options.workers ?? 2) => {
      await eventually(async () => {
        const s = await gw.status();
        return s.workers.length === workers && s.workers.every((w) => w.ready && (w.version ?? 0) >= version);
      }, `all ${workers} workers on version ${version}`);
    },
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
        await exited;
        clearTimeout(timer);
      }
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
  try {
    await eventually(async () => proc.exitCode !== null || (await fetch(`${adminUrl}/${options.waitReady === false ? "healthz" : "readyz"}`)).ok, "the gateway to start", 60_000);
    if (proc.exitCode !== null) throw new Error(`the gateway exited with code ${proc.exitCode}`);
  } catch (error) {
    await gw.stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return gw;
}

/** Polls until check() is true; generous, so a slow machine never fails a test. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Upstream {
  name: string;
  port: number;
  address: string;
  requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  server: Server;
  close(): Promise<void>;
}

/** A real upstream that echoes what it received and says who it is; `handler` can take over. */
export async function startUpstream(name: string, handler?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean | void): Promise<Upstream> {
  const requests: Upstream["requests"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (handler?.(req, res, body)) return;
      const payload = JSON.stringify({ upstream: name, method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json", "x-upstream": name });
      res.end(payload);
    });
  });
  const port = await getFreePort();
  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  return {
    name,
    port,
    address: `127.0.0.1:${port}`,
    requests,
    server,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export interface Blackhole {
  address: string;
  close(): Promise<void>;
}

/**
 * An address whose connections never complete: a listener with a one-connection backlog in a thread that never
 * accepts. Two connections fill the kernel's accept queue; after them, a SYN is dropped and connect() hangs.
 */
export async function startBlackhole(): Promise<Blackhole> {
  const { Worker } = await import("node:worker_threads");
  const { connect } = await import("node:net");
  const worker = new Worker(
    `const net = require("node:net");
     const { parentPort } = require("node:worker_threads");
     const server = net.createServer();
     server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 20);
     });`,
    { eval: true },
  );
  const port = await new Promise<number>((ok) => worker.once("message", ok));
  await new Promise((r) => setTimeout(r, 200));
  const fillers = [connect(port, "127.0.0.1"), connect(port, "127.0.0.1")];
  for (const f of fillers) f.on("error", () => {});
  await new Promise((r) => setTimeout(r, 200));
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const f of fillers) f.destroy();
      await worker.terminate();
    },
  };
}
