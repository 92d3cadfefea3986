import type { Fallback } from "@bulwark/config/schema";
import type { RespondStep } from "../pipeline/compiled-route";
import { MAX_KEPT_BODY, mayKeep, type LastGoodCache } from "./last-good-cache";

/**
 * Last-good keeping and serving (respond phase): a 200 answer to a GET that a shared cache could keep is copied
 * while it is relayed and kept per URL and caller; when the service later cannot answer, a GET or HEAD for that
 * URL by the same caller gets the kept copy.
 */
export function lastGoodStep(cache: LastGoodCache): RespondStep {
  return {
    onHead(request, answer) {
      if (answer.statusCode !== 200 || request.req.method !== "GET") return;
      if (!mayKeep(request.req, answer.headers)) return cache.forget(request.req, request.consumer);
      if (Number(answer.headers["content-length"] ?? 0) > MAX_KEPT_BODY) return;
      request.capturing = true;
      request.captured = [];
      request.capturedBytes = 0;
      request.capturedHeaders = answer.headers;
    },
    onComplete(request, status) {
      if (request.captured !== null && request.capturedHeaders !== null && status === 200) {
        cache.keep(request.req, request.consumer, request.capturedHeaders, request.captured, request.capturedBytes);
      }
    },
    onError(request, error, res) {
      const method = request.req.method;
      if (!error.fallbackable || (method !== "GET" && method !== "HEAD")) return null;
      const kept = cache.get(request.req, request.consumer);
      if (kept === undefined) return null;
      request.decide("fallback", "last-good");
      res.writeHead(200, kept.headers);
      res.end(method === "HEAD" ? undefined : kept.body);
      return 200;
    },
  };
}

/** The route's static fallback answer (respond phase), for errors that mean the service cannot answer. */
export function staticFallbackStep(fallback: Fallback): RespondStep {
  const body = Buffer.from(fallback.body, "utf8");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(fallback.headers)) headers[name.toLowerCase()] = value;
  headers["content-length"] = String(body.length);
  headers["cache-control"] = "no-store";
  headers["x-bulwark-fallback"] = "static";
  const status = fallback.status;
  return {
    onError(request, error, res) {
      if (!error.fallbackable) return null;
      request.decide("fallback", "static");
      res.writeHead(status, headers);
      res.end(request.req.method === "HEAD" ? undefined : body);
      return status;
    },
  };
}
