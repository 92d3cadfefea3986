import { benchPublishLatency } from "./bench-publish-latency";

// `npm run bench`: Bulwark's performance figures, each printed with its target.
const publishes = Number(process.env.BENCH_PUBLISHES ?? 60);
console.log(`Publish-to-applied latency: ${publishes} publishes, 2 workers, traffic flowing`);
const r = await benchPublishLatency({ publishes, workers: 2 });
console.log(`  p50 ${r.p50} ms   p99 ${r.p99} ms   max ${r.max} ms   (target: p99 < 250 ms)`);
console.log(`  traffic during the publishes: ${r.requests} requests, ${r.failedRequests} failed`);
if (r.p99 >= 250) console.log("  ABOVE TARGET");
