import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";

/** One request's fate, as a client doing back-to-back requests saw it. */
interface Outcome {
  startedAt: number;
  endedAt: number;
  status: number | null;
  /** The error's code (ECONNRESET, ECONNREFUSED, EPIPE...) and message, or null when answered. */
  error: string | null;
  /** Sent on a kept-alive connection that had carried a request before. */
  reused: boolean;
  /** The answer said `Connection: close`. */
  closed: boolean;
}

interface ClientLoad {
  outcomes: Outcome[];
  /** Stops the loops (each finishes the request it is on) and waits for them. */
  stop(): Promise<void>;
  failures(): Outcome[];
}

function once(url: string, agent: Agent): Promise<Outcome> {
  const startedAt = Date.now();
  return new Promise((ok) => {
    let reused = false;
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => ok({ startedAt, endedAt: Date.now(), status: res.statusCode ?? 0, error: null, reused, closed: res.headers.connection === "close" }));
      res.on("error", (e: NodeJS.ErrnoException) => ok({ startedAt, endedAt: Date.now(), status: null, error: `${e.code ?? "?"} ${e.message}`, reused, closed: false }));
    });
    req.on("socket", () => {
      reused = req.reusedSocket;
    });
    req.on("error", (e: NodeJS.ErrnoException) => ok({ startedAt, endedAt: Date.now(), status: null, error: `${e.code ?? "?"} ${e.message}`, reused, closed: false }));
    req.end();
  });
}

/**
 * `clients` clients, each with its own kept-alive agent of `sockets` connections and as many loops, each loop
 * sending its next request the moment the last one is answered: every connection is busy back to back, as a
 * load balancer's pooled connections are. A refused connection is retried after a short pause.
 */
export function startClients(url: string, options: { clients?: number; sockets?: number } = {}): ClientLoad {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const agents: Agent[] = [];
  const loops: Promise<void>[] = [];
  for (let c = 0; c < (options.clients ?? 4); c++) {
    const sockets = options.sockets ?? 2;
    const agent = new Agent({ keepAlive: true, maxSockets: sockets });
    agents.push(agent);
    for (let s = 0; s < sockets; s++) {
      loops.push(
        (async () => {
          for (let i = 0; !stopped; i++) {
            const outcome = await once(`${url}/load/${c}/${s}/${i}`, agent);
            outcomes.push(outcome);
            if (outcome.error !== null) await new Promise((r) => setTimeout(r, 10));
          }
        })(),
      );
    }
  }
  return {
    outcomes,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      for (const a of agents) a.destroy();
    },
    failures: () => outcomes.filter((o) => o.error !== null || o.status !== 200),
  };
}

/** Whether a process is running (a zombie waiting to be reaped does not count: it holds no sockets). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}
