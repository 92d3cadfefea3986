import { Agent, request } from "node:http";

// The load of the apply-under-load bench, in its own process so that the bench's publishing does not delay it:
// CONNECTIONS closed loops of keep-alive GETs for SECONDS, then one JSON line of [wall-clock start ms, latency ms,
// status] per request on stdout.
const url = new URL(process.env.URL!);
const connections = Number(process.env.CONNECTIONS ?? 8);
const until = Date.now() + Number(process.env.SECONDS ?? 10) * 1000;
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const samples: [number, number, number][] = [];

function once(): Promise<void> {
  return new Promise((resolve) => {
    const wall = Date.now();
    const started = performance.now();
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => {
        samples.push([wall, performance.now() - started, res.statusCode ?? 0]);
        resolve();
      });
    });
    req.on("error", () => {
      samples.push([wall, performance.now() - started, 0]);
      resolve();
    });
    req.end();
  });
}

await Promise.all(
  Array.from({ length: connections }, async () => {
    while (Date.now() < until) await once();
  }),
);
agent.destroy();
process.stdout.write(`${JSON.stringify(samples)}\n`);
