import type { IncomingMessage, ServerResponse } from "node:http";
import { upstreamError } from "../errors";
import { CLIENT_BODY_TIMEOUT, writeUpstreamHead, type ForwardCall, type Forwarder } from "../forward/forwarder";
import type { UpstreamTarget } from "../upstream/upstream-target";

/** What an attempt does, scripted by a test. */
export type FakeAttempt = (call: ForwardCall, res: ServerResponse, target: UpstreamTarget) => void;

/** An upstream that refuses the connection (nothing was sent). */
export const refuse: FakeAttempt = (call) => call.onDone(upstreamError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })), 502);

/** An upstream that took the request (the connection was made, the request went out) and then reset it, unanswered. */
export const resetAfterSend: FakeAttempt = (call) => {
  call.requestSent = true;
  call.onDone(upstreamError(Object.assign(new Error("reset"), { code: "ECONNRESET" })), 502);
};

/** A client still sending its body when the route's timeout ran out, as the forwarders report it. */
export const clientBodyTimeout: FakeAttempt = (call) => {
  call.requestSent = true;
  call.onDone(CLIENT_BODY_TIMEOUT, 408);
};

/** An upstream that answers `status` with `body`, relayed the way the real forwarders relay it. */
export function answer(status: number, body = "", headers: Record<string, string> = {}): FakeAttempt {
  return (call, res) => {
    const rawHeaders = Object.entries({ "content-length": String(Buffer.byteLength(body)), ...headers }).flat();
    const head: Record<string, string> = {};
    for (let i = 0; i < rawHeaders.length; i += 2) head[rawHeaders[i].toLowerCase()] = rawHeaders[i + 1];
    const upstream = { statusCode: status, statusMessage: "", headers: head, rawHeaders, destroy() {} } as unknown as IncomingMessage;
    if (!call.onResponse(upstream)) return call.onDone(null, status);
    if (!writeUpstreamHead(res, upstream, status, call.responseHeaders)) return call.onDone(null, 499);
    const chunk = Buffer.from(body);
    if (call.capturing) call.capture(chunk);
    res.end(chunk);
    call.onDone(null, status);
  };
}

/**
 * A forwarder for unit tests of the pipeline: each attempt runs the next scripted behaviour (default: 200) at
 * once, with no socket, so retries, fallbacks and breakers are tested in milliseconds.
 */
export class FakeForwarder implements Forwarder {
  readonly attempts: { target: string; url: string }[] = [];
  private readonly script: FakeAttempt[] = [];

  then(...behaviours: FakeAttempt[]): this {
    this.script.push(...behaviours);
    return this;
  }

  forward(req: IncomingMessage, res: ServerResponse, target: UpstreamTarget, call: ForwardCall): void {
    this.attempts.push({ target: target.address, url: req.url ?? "" });
    (this.script.shift() ?? answer(200, "ok"))(call, res, target);
  }

  cancel(): void {}

  close(): void {}
}
