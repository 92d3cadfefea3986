import { benchPublishLatency } from "./bench-publish-latency";
import { benchThroughput } from "./bench-throughput";
import { hasCommand } from "./run-wrk";

// `npm run bench`: Bulwark's performance figures, each printed with its target and, for throughput, its ratio
// to nginx measured on the same machine in the same run.
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const workers = Number(process.env.BENCH_WORKERS ?? 2);
const publishes = Number(process.env.BENCH_PUBLISHES ?? 60);

console.log(`Publish-to-applied latency: ${publishes} publishes, ${workers} workers, traffic flowing`);
const p = await benchPublishLatency({ publishes, workers });
console.log(`  p50 ${p.p50} ms   p99 ${p.p99} ms   max ${p.max} ms   (target: p99 < 250 ms${p.p99 < 250 ? ", met" : ", NOT MET"})`);
console.log(`  traffic during the publishes: ${p.requests} requests, ${p.failedRequests} failed`);

console.log("");
const missing = ["wrk", "nginx"].filter((c) => !hasCommand(c));
if (missing.length) {
  console.log(`Throughput: skipped, ${missing.join(" and ")} missing. Install with: apt-get install -y ${missing.join(" ")}`);
} else {
  console.log(`Throughput: wrk, ${connections} connections, ${seconds} s each, ${workers} proxy processes each, loopback`);
  const rows = await benchThroughput({ seconds, connections, workers });
  const nginx = rows[0].requestsPerSec;
  console.log(`  ${"".padEnd(26)}${"req/s".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"vs nginx".padStart(10)}${"errors".padStart(8)}`);
  for (const r of rows) {
    const ratio = (r.requestsPerSec / nginx).toFixed(2);
    console.log(`  ${r.name.padEnd(26)}${r.requestsPerSec.toFixed(0).padStart(10)}${r.p50Ms.toFixed(2).padStart(9)}${r.p99Ms.toFixed(2).padStart(9)}${`${ratio}x`.padStart(10)}${String(r.errors + r.non2xx).padStart(8)}`);
  }
  const few = rows.find((r) => r.name.includes(" 10 routes"));
  const many = rows.find((r) => r.name.includes("10,000"));
  if (few && many) console.log(`  10,000 routes cost ${(((few.requestsPerSec - many.requestsPerSec) / few.requestsPerSec) * 100).toFixed(1)}% of throughput against 10`);
}
