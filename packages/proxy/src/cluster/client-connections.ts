import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

const ANSWERING = Symbol("bulwark.answering");
const IDLE_SINCE = Symbol("bulwark.idleSince");
type Tracked = Duplex & { [ANSWERING]?: ServerResponse | null; [IDLE_SINCE]?: number };

/**
 * A worker's open client connections, and for each whether it is answering a request or idle since when, so
 * a drain can close a kept-alive connection only when that is safe. Closing one the instant its client sends
 * the next request on it resets that request, and the client cannot tell whether it was handled (the race
 * server.close() and closeIdleConnections() lose). So a draining worker answers with Connection: close and
 * lets the connection end after that answer, and closes only connections idle for a grace period: a client
 * sending back to back is never idle that long.
 */
export class ClientConnections {
  private readonly sockets = new Set<Tracked>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.sockets.size;
  }

  opened(socket: Duplex): void {
    const s = socket as Tracked;
    s[ANSWERING] = null;
    s[IDLE_SINCE] = this.now();
    this.sockets.add(s);
    s.once("close", () => this.sockets.delete(s));
  }

  /** A request arrived on the connection; `res` is its answer, done when it closes. */
  answering(socket: Duplex, res: ServerResponse): void {
    const s = socket as Tracked;
    s[ANSWERING] = res;
    res.once("close", () => {
      if (s[ANSWERING] !== res) return;
      s[ANSWERING] = null;
      s[IDLE_SINCE] = this.now();
    });
  }

  /**
   * The drain begins: answers not yet started will say Connection: close (and the connection ends after
   * them); answers already sent end their connection as kept-alive, and the next request on it is told.
   */
  closeAfterAnswers(): void {
    for (const s of this.sockets) {
      const res = s[ANSWERING];
      if (res && !res.headersSent) res.shouldKeepAlive = false;
    }
  }

  /** Closes the connections that have been idle (no request, between requests) for at least graceMs. */
  closeIdle(graceMs: number): number {
    const now = this.now();
    let closed = 0;
    for (const s of this.sockets) {
      if (s[ANSWERING] === null && !s.writableEnded && now - (s[IDLE_SINCE] ?? now) >= graceMs) {
        endSoon(s);
        closed++;
      }
    }
    return closed;
  }

  /** The drain timed out: every connection still open is closed, answering or not. */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

function endSoon(socket: Duplex): void {
  const s = socket as Duplex & { destroySoon?: () => void };
  if (s.destroySoon) s.destroySoon();
  else s.end();
}
