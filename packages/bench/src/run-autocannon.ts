import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import type { LoadOptions, LoadResult } from "./run-wrk";

const require = createRequire(import.meta.url);

/** autocannon's command-line script, or null when the (dev) dependency is not installed. */
export function autocannonScript(): string | null {
  try {
    return require.resolve("autocannon/autocannon.js");
  } catch {
    return null;
  }
}

interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * Drives url with autocannon, the fallback where wrk is absent: keep-alive, fixed connections, like runWrk. It
 * runs in its own process so that it does not share an event loop with the bench. Its latencies are whole
 * milliseconds, and one Node process generates less load than wrk, so its figures are not comparable to wrk's.
 */
export function runAutocannon(url: string, options: LoadOptions): LoadResult {
  const script = autocannonScript();
  if (!script) throw new Error("autocannon is not installed (npm install in the repository root)");
  const args = [script, "--json", "-c", String(options.connections), "-d", String(options.seconds)];
  if (options.threads > 1) args.push("-w", String(options.threads));
  const r = spawnSync(process.execPath, [...args, url], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`autocannon failed: ${r.stderr || r.stdout}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as AutocannonJson;
  return {
    requestsPerSec: out.requests.average,
    p50Ms: out.latency.p50,
    p99Ms: out.latency.p99,
    non2xx: out.non2xx,
    errors: out.errors + out.timeouts,
  };
}
