import type { Duplex } from "node:stream";

const ANSWERS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large", "HEADERS_TOO_LARGE"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "REQUEST_TIMEOUT"],
};
const BAD_REQUEST: [number, string, string] = [400, "Bad Request", "BAD_REQUEST"];

/**
 * Answers a request Node's parser refused (malformed, smuggling-shaped, too large, too slow) and closes the
 * connection; nothing of it reaches an upstream.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const [status, reason, code] = ANSWERS[err.code ?? ""] ?? BAD_REQUEST;
  const body = JSON.stringify({ error: { code, message: status === 408 ? "the request took too long to arrive" : "the request could not be parsed" } });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
