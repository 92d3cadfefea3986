import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { ClientConnections } from "./client-connections";

class FakeSocket extends EventEmitter {
  writableEnded = false;
  ended = 0;
  destroyed = false;
  destroySoon() {
    this.ended++;
    this.writableEnded = true;
  }
  destroy() {
    this.destroyed = true;
    this.emit("close");
  }
}

class FakeResponse extends EventEmitter {
  headersSent = false;
  shouldKeepAlive = true;
}

function setup() {
  let now = 0;
  const clients = new ClientConnections(() => now);
  const open = () => {
    const s = new FakeSocket();
    clients.opened(s as unknown as Duplex);
    return s;
  };
  const answer = (s: FakeSocket) => {
    const res = new FakeResponse();
    clients.answering(s as unknown as Duplex, res as unknown as ServerResponse);
    return res;
  };
  return { clients, open, answer, tick: (ms: number) => (now += ms) };
}

describe("ClientConnections", () => {
  it("never closes a connection while it is answering a request, however long", () => {
    const { clients, open, answer, tick } = setup();
    const s = open();
    answer(s);
    tick(60_000);
    expect(clients.closeIdle(1_000)).toBe(0);
    expect(s.ended).toBe(0);
  });

  it("closes a kept-alive connection only once it has been idle for the grace period after its last answer", () => {
    const { clients, open, answer, tick } = setup();
    const s = open();
    const res = answer(s);
    tick(5_000);
    res.emit("close");
    tick(999);
    expect(clients.closeIdle(1_000)).toBe(0);
    tick(1);
    expect(clients.closeIdle(1_000)).toBe(1);
    expect(s.ended).toBe(1);
    expect(clients.closeIdle(1_000)).toBe(0); // already ending: not closed twice
  });

  it("closes a connection that never sent a request after the grace period", () => {
    const { clients, open, tick } = setup();
    const s = open();
    tick(1_000);
    expect(clients.closeIdle(1_000)).toBe(1);
    expect(s.ended).toBe(1);
  });

  it("turns answers not yet started into the connection's last, and leaves answers already sent alone", () => {
    const { clients, open, answer } = setup();
    const pending = answer(open());
    const sent = answer(open());
    sent.headersSent = true;
    clients.closeAfterAnswers();
    expect(pending.shouldKeepAlive).toBe(false);
    expect(sent.shouldKeepAlive).toBe(true);
  });

  it("forgets closed connections and destroys every one left at the deadline", () => {
    const { clients, open, answer } = setup();
    const a = open();
    const b = open();
    answer(b);
    a.emit("close");
    expect(clients.size).toBe(1);
    clients.destroyAll();
    expect(b.destroyed).toBe(true);
    expect(clients.size).toBe(0);
  });
});
