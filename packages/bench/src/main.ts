import { benchApplyUnderLoad } from "./bench-apply-under-load";
import { benchDashboardQueries } from "./bench-dashboard-queries";
import { benchPublishLatency } from "./bench-publish-latency";
import { benchThroughput, POLICY_ROUTES, type ThroughputResult, type ThroughputRow } from "./bench-throughput";
import { autocannonScript, runAutocannon } from "./run-autocannon";
import { hasCommand, runWrk, type RunLoad } from "./run-wrk";

// `npm run bench`: Bulwark's performance figures, each printed with its target and, for throughput, its ratios
// to nginx and to the bare http-proxy server measured on the same machine in the same run.
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** The latency pass's connections: added p99 is measured here, where queueing does not hide it. */
const lowConnections = Number(process.env.BENCH_LOW_CONNECTIONS ?? 8);
const workers = Number(process.env.BENCH_WORKERS ?? 2);
/** Throughput rounds: every variant is measured once per round, and its median round is printed. */
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const publishes = Number(process.env.BENCH_PUBLISHES ?? 60);
/** Apply-under-load rounds: each publishes a BENCH_APPLY_ROUTES-route version under steady load. */
const applyRounds = Number(process.env.BENCH_APPLY_ROUNDS ?? 3);
const applyRoutes = Number(process.env.BENCH_APPLY_ROUTES ?? 20_000);
/** "publish", "apply", "dashboard" or "throughput" runs only that part. */
const only = process.env.BENCH_ONLY ?? "";
/** "autocannon" uses it even where wrk is installed. */
const loadTool = process.env.BENCH_LOAD ?? "";

if (only === "" || only === "publish") {
  console.log(`Publish-to-applied latency: ${publishes} publishes, ${workers} workers, traffic flowing`);
  const p = await benchPublishLatency({ publishes, workers });
  console.log(`  p50 ${p.p50} ms   p99 ${p.p99} ms   max ${p.max} ms   (target: p99 < 250 ms${p.p99 < 250 ? ", met" : ", NOT MET"})`);
  console.log(`  traffic during the publishes: ${p.requests} requests, ${p.failedRequests} failed`);
  console.log("");
}

if (only === "" || only === "apply") {
  console.log(`Apply under load: ${workers} workers serving 10 routes at ${lowConnections} connections, then a ${applyRoutes.toLocaleString("en-US")}-route version published; ${applyRounds} rounds`);
  const rounds = await benchApplyUnderLoad({ rounds: applyRounds, workers, connections: lowConnections, bigRoutes: applyRoutes, steadySeconds: 3, loadSeconds: 15 });
  for (const [i, r] of rounds.entries()) {
    console.log(
      `  round ${i + 1}: steady p99 ${r.steadyP99Ms.toFixed(1)} ms; from publish to applied (${r.applyMs} ms, of which the publish ${r.publishMs} ms; ${r.requestsDuringApply} requests) p99 ${r.applyP99Ms.toFixed(1)} ms (${(r.applyP99Ms / r.steadyP99Ms).toFixed(1)}x), max ${r.applyMaxMs.toFixed(1)} ms; ${r.failed} not 200`,
    );
  }
  console.log("");
}

if (only === "" || only === "dashboard") {
  console.log("Dashboard queries: a month of rollups for 100 routes (48 h of minute rows, hourly rows before), embedded PostgreSQL");
  const d = await benchDashboardQueries();
  console.log(
    `  ${d.rows.toLocaleString("en-US")} rows; one route's 30-day traffic series: p50 ${d.routeP50.toFixed(1)} ms, p99 ${d.routeP99.toFixed(1)} ms (target: well under 1 s, ${d.routeP99 < 1000 ? "met" : "NOT MET"})`,
  );
  console.log(`  a service of 10 routes: ${d.serviceMs.toFixed(1)} ms; an SLO's status (30-day window and five burn windows): ${d.sloStatusMs.toFixed(1)} ms`);
  console.log("");
}

if (only === "" || only === "throughput") await throughput();

async function throughput() {
  const useWrk = loadTool !== "autocannon" && hasCommand("wrk");
  const hasAutocannon = autocannonScript() !== null;
  if (!useWrk && !hasAutocannon) {
    console.log("Throughput: skipped, wrk missing (and autocannon not installed). Install with: apt-get install -y wrk");
    return;
  }
  const nginx = hasCommand("nginx");
  const runLoad: RunLoad = useWrk ? runWrk : runAutocannon;
  console.log(`Throughput: ${useWrk ? "wrk" : "autocannon"}, ${connections} connections, ${seconds} s each, ${workers} proxy processes each, loopback; median of ${rounds} interleaved rounds`);
  if (!useWrk)
    console.log(
      `  ${loadTool === "autocannon" ? "BENCH_LOAD=autocannon" : "wrk missing"}: autocannon drives the load (one Node process, latencies in whole ms); wrk (apt-get install -y wrk) gives the README's figures`,
    );
  if (!nginx) console.log("  nginx missing, so no reference row. Install with: apt-get install -y nginx");
  const result = await benchThroughput({ seconds, connections, lowConnections, workers, rounds, runLoad, nginx });
  printRows(result.rows);
  printMemory(result.rows);
  printLatency(result);
}

function mib(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 1048576).toFixed(0) : "-";
}

function printMemory(rows: ThroughputRow[]) {
  console.log("");
  console.log("  resident memory after the rounds (MiB): the root process (Bulwark: the cluster primary) and its largest child (a worker)");
  const width = Math.max(...rows.map((r) => r.name.length)) + 2;
  for (const r of rows) console.log(`    ${r.name.padEnd(width)}${mib(r.rootRssBytes).padStart(6)} root${mib(r.workerRssBytes).padStart(6)} worker`);
  const many = rows.find((r) => r.kind === "routes" && r.routes === 10_000);
  if (many && Number.isFinite(many.workerRssBytes)) {
    const met = many.workerRssBytes < 150e6;
    console.log(`  10,000 routes: ${(many.workerRssBytes / 1e6).toFixed(0)} MB per worker (target: under 150 MB, ${met ? "met" : "NOT MET"})`);
  }
}

function printLatency(result: ThroughputResult) {
  console.log("");
  console.log(`  latency at ${result.lowConnections} connections: median p99 over the rounds, and what the proxy adds (median over rounds of its p99 minus the`);
  console.log("  upstream's own p99, asked directly in the same round)");
  const rows = result.rows;
  const width = Math.max(...rows.map((r) => r.name.length), 20) + 2;
  const rounds = (values: number[]) => values.map((v) => v.toFixed(2)).join(" / ");
  console.log(`    ${"upstream, directly".padEnd(width)}${result.directP99Ms.toFixed(2).padStart(8)} ms p99${"".padStart(16)}rounds: ${rounds(result.directP99Rounds)}`);
  for (const r of rows) {
    const added = r.addedP99Ms;
    console.log(`    ${r.name.padEnd(width)}${r.lowP99Ms.toFixed(2).padStart(8)} ms p99${`${added >= 0 ? "+" : ""}${added.toFixed(2)} ms`.padStart(14)}  rounds: ${rounds(r.lowP99Rounds)}`);
  }
  const policies = rows.find((r) => r.kind === "policies");
  if (policies) {
    const added = policies.addedP99Ms;
    console.log(
      `  added p99 at ${result.lowConnections} connections, ${POLICY_ROUTES.toLocaleString("en-US")} routes with policies: ${added.toFixed(2)} ms (target: under 3 ms, ${added < 3 ? "met" : "NOT MET"})`,
    );
  }
}

function printRows(rows: ThroughputRow[]) {
  const nginx = rows.find((r) => r.kind === "nginx");
  const bare = rows.find((r) => r.kind === "bare");
  const ratio = (r: ThroughputRow, base: ThroughputRow | undefined) => (base ? `${(r.requestsPerSec / base.requestsPerSec).toFixed(2)}x` : "-");
  const cpu = (us: number) => (Number.isFinite(us) ? us.toFixed(0) : "-");
  const width = Math.max(...rows.map((r) => r.name.length)) + 2;
  console.log(
    `  ${"".padEnd(width)}${"req/s".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"vs nginx".padStart(10)}${"vs bare".padStart(9)}${"CPU µs/req".padStart(12)}${"errors".padStart(8)}`,
  );
  for (const r of rows) {
    const cells = [
      r.requestsPerSec.toFixed(0).padStart(10),
      r.p50Ms.toFixed(2).padStart(9),
      r.p99Ms.toFixed(2).padStart(9),
      ratio(r, nginx).padStart(10),
      ratio(r, bare).padStart(9),
      cpu(r.cpuUsPerRequest).padStart(12),
      String(r.errors + r.non2xx).padStart(8),
    ];
    console.log(`  ${r.name.padEnd(width)}${cells.join("")}`);
  }
  console.log("  every round (req/s, CPU µs per request):");
  for (const r of rows) console.log(`    ${r.name.padEnd(width)}${r.rounds.map((n, i) => `${n.toFixed(0)} (${cpu(r.cpuRounds[i])})`).join(" / ")}`);
  console.log("  CPU µs/req: user + system time of all the proxy's processes (primary and workers) during a round, divided by the");
  console.log("  round's requests: what a request costs the proxy itself, whereas req/s also depends on how the cores are shared");
  console.log("  with wrk, the upstream and whatever else runs. Both move between rounds on a busy machine: compare the rounds.");
  console.log("  policies: every route has a rate limit (far above the load), a fallback and the default retries; the service has a");
  console.log("  circuit breaker, an active health check (every 1 s) and outlier detection. Every Bulwark row counts metrics and");
  console.log("  rollups and samples traces per request as it always does; nothing scrapes /metrics during the runs.");

  const cpuChange = (r: ThroughputRow, base: ThroughputRow) => ((r.cpuUsPerRequest - base.cpuUsPerRequest) / base.cpuUsPerRequest) * 100;
  const signed = (n: number) => `${n >= 0 ? "+" : ""}${n.toFixed(1)}%`;
  const policies = rows.find((r) => r.kind === "policies");
  if (policies && bare) {
    const met = policies.requestsPerSec >= 1.1 * bare.requestsPerSec;
    const cpuNote = Number.isFinite(policies.cpuUsPerRequest) ? `; CPU per request ${signed(cpuChange(policies, bare))} against bare` : "";
    console.log(
      `  ${POLICY_ROUTES.toLocaleString("en-US")} routes with policies vs bare http-proxy: ${ratio(policies, bare)} throughput (target: at least 1.10x, ${met ? "met" : "NOT MET"})${cpuNote}`,
    );
  }
  const few = rows.find((r) => r.kind === "routes" && r.routes === 10);
  const many = rows.find((r) => r.kind === "routes" && r.routes === 10_000);
  if (few && many) {
    const cost = ((few.requestsPerSec - many.requestsPerSec) / few.requestsPerSec) * 100;
    console.log(`  10,000 routes against 10: throughput ${signed(-cost)} (target: a cost under 5%, ${cost < 5 ? "met" : "NOT MET"})`);
    if (Number.isFinite(many.cpuUsPerRequest)) {
      const c = cpuChange(many, few);
      console.log(`  10,000 routes against 10: CPU per request ${signed(c)} (target: a cost under 5%, ${c < 5 ? "met" : "NOT MET"})`);
    }
  }
}
