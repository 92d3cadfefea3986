import type { ClientRequest, IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";

const SLOT = Symbol("bulwark.slot");
const IDLE_SINCE = Symbol("bulwark.idleSince");
const IDLE_LIMIT = Symbol("bulwark.idleLimit");
const KEEP_ALIVE_TIMEOUT = /(?:^|[\s,])timeout=(\d+)/i;

type PooledSocket = Socket & { [SLOT]?: Slot | undefined; [IDLE_SINCE]?: number; [IDLE_LIMIT]?: number; _httpMessage?: (ClientRequest & { res?: IncomingMessage | null }) | null };
type PooledRequest = ClientRequest & { reusedSocket: boolean };

/** The connections to one upstream address. */
interface Slot {
  readonly pool: UpstreamPool;
  readonly host: string;
  readonly port: number;
  /** Kept-alive connections waiting for a request, most recently used last. */
  readonly idle: PooledSocket[];
  /** Connections open or opening, idle ones included. */
  open: number;
  /** Requests waiting for a connection while `open` is at the limit. */
  readonly waiting: PooledRequest[];
}

export interface UpstreamPoolOptions {
  /** Connections per upstream address; requests beyond wait for one to come free. */
  maxSockets: number;
  /**
   * A kept-alive connection idle this long is closed rather than reused, so the gateway lets go before the
   * upstream does (node's default keep-alive timeout is 5 s): a request is not sent down a closing connection.
   * An upstream that announces a shorter keep-alive timeout gets one second less than it announced.
   */
  idleMs: number;
}

function onFree(this: PooledSocket): void {
  const slot = this[SLOT];
  if (slot === undefined) return;
  if (this.destroyed || !this.writable) {
    this.destroy();
    return;
  }
  const limit = idleLimit(this._httpMessage?.res?.rawHeaders, slot.pool.idleMs);
  this._httpMessage = null; // do not keep the finished request alive
  if (limit <= 0) {
    this.destroy();
    return;
  }
  const next = slot.waiting.shift();
  if (next !== undefined) return hand(next, this);
  this[IDLE_SINCE] = performance.now();
  this[IDLE_LIMIT] = limit;
  this.unref(); // an idle connection does not keep a draining worker alive
  slot.idle.push(this);
}

/**
 * How long a connection may sit idle: the pool's limit, or less when the upstream announced a shorter keep-alive
 * (`Keep-Alive: timeout=N`), one second before the upstream's, as http.Agent does.
 */
function idleLimit(raw: readonly string[] | undefined, limit: number): number {
  if (raw === undefined) return limit;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length !== 10 || raw[i].toLowerCase() !== "keep-alive") continue;
    const m = KEEP_ALIVE_TIMEOUT.exec(raw[i + 1]);
    if (m !== null) return Math.min(limit, Number(m[1]) * 1000 - 1000);
  }
  return limit;
}

function onClose(this: PooledSocket): void {
  const slot = this[SLOT];
  if (slot === undefined) return;
  this[SLOT] = undefined;
  slot.open--;
  // Its place can go to a waiting request. (A closed idle socket stays in `idle` until it is skipped or swept.)
  const next = slot.waiting.shift();
  if (next !== undefined) slot.pool.openFor(slot, next);
}

/** An upgraded connection belongs to its request from now on. */
function onAgentRemove(this: PooledSocket): void {
  const slot = this[SLOT];
  if (slot === undefined) return;
  this[SLOT] = undefined;
  slot.open--;
}

// Errors of an idle connection (a reset while nobody uses it) must not crash the worker; a request using the
// connection hears of them through its own listener.
function ignore(): void {}

function hand(req: PooledRequest, socket: PooledSocket): void {
  socket.ref();
  req.reusedSocket = true;
  req.onSocket(socket);
}

/**
 * The keep-alive connections to upstreams, as the `agent` of node:http requests. It does what http.Agent does on
 * the gateway's path (reuse, LIFO, a per-address limit with a queue) without http.Agent's per-request option
 * copies, name building and list searches, which profiling showed to be the largest single cost of a proxied
 * request in node:http. node:http drives it through `addRequest` and the socket's `free` event, as it does an Agent.
 */
export class UpstreamPool {
  // What ClientRequest reads from its agent: keep-alive on, plain HTTP.
  readonly keepAlive = true;
  readonly protocol = "http:";
  readonly defaultPort = 80;
  readonly maxSockets: number;
  readonly idleMs: number;
  private readonly slots = new Map<string, Slot>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: UpstreamPoolOptions) {
    this.maxSockets = options.maxSockets;
    this.idleMs = options.idleMs;
    this.sweeper = setInterval(() => this.sweep(), Math.max(250, Math.floor(options.idleMs / 2)));
    this.sweeper.unref();
  }

  /** Called by ClientRequest with its options; `slot` is the address key the forwarder put there. */
  addRequest(req: ClientRequest, options: { host: string; port: number; poolKey: string }): void {
    let slot = this.slots.get(options.poolKey);
    if (slot === undefined) {
      slot = { pool: this, host: options.host, port: options.port, idle: [], open: 0, waiting: [] };
      this.slots.set(options.poolKey, slot);
    }
    const idle = slot.idle;
    if (idle.length > 0) {
      const now = performance.now();
      let socket: PooledSocket | undefined;
      while ((socket = idle.pop()) !== undefined) {
        if (!socket.destroyed && now - socket[IDLE_SINCE]! < socket[IDLE_LIMIT]!) return hand(req as PooledRequest, socket);
        socket.destroy();
      }
    }
    if (slot.open >= this.maxSockets) {
      slot.waiting.push(req as PooledRequest);
      return;
    }
    this.openFor(slot, req as PooledRequest);
  }

  openFor(slot: Slot, req: PooledRequest): void {
    const socket: PooledSocket = connect({ host: slot.host, port: slot.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 1_000 });
    socket[SLOT] = slot;
    slot.open++;
    socket.on("free", onFree);
    socket.on("close", onClose);
    socket.on("agentRemove", onAgentRemove);
    socket.on("error", ignore);
    req.onSocket(socket);
  }

  /** Closes connections idle too long, and drops dead ones from the idle lists. */
  private sweep(): void {
    const now = performance.now();
    for (const [key, slot] of this.slots) {
      const idle = slot.idle;
      let kept = 0;
      for (let i = 0; i < idle.length; i++) {
        const s = idle[i];
        if (s.destroyed) continue;
        if (now - s[IDLE_SINCE]! >= s[IDLE_LIMIT]!) s.destroy();
        else idle[kept++] = s;
      }
      idle.length = kept;
      if (slot.open === 0 && slot.waiting.length === 0) this.slots.delete(key);
    }
  }

  /** Connections per address (open, idle), for tests. */
  stats(): Record<string, { open: number; idle: number; waiting: number }> {
    const out: Record<string, { open: number; idle: number; waiting: number }> = {};
    for (const [key, slot] of this.slots) out[key] = { open: slot.open, idle: slot.idle.filter((s) => !s.destroyed).length, waiting: slot.waiting.length };
    return out;
  }

  destroy(): void {
    clearInterval(this.sweeper);
    for (const slot of this.slots.values()) {
      for (const s of slot.idle) s.destroy();
      slot.idle.length = 0;
    }
  }
}
