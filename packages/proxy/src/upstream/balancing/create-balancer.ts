import type { IncomingMessage } from "node:http";
import type { LoadBalancing } from "@bulwark/config/schema";
import { HashRing } from "./hash-ring";
import { PeakEwma, pickTwoChoices } from "./peak-ewma";
import { SmoothWeightedRoundRobin } from "./smooth-weighted-round-robin";

/** Chooses a target for each request and hears when it ended; state lives as long as the service is unchanged. */
export interface Balancer {
  /**
   * Index of the target, or -1 when none can take the request. `avoid` (a retry's previous target) is taken
   * only when no other target can take the request.
   */
  pick(req: IncomingMessage, avoid?: number): number;
  /** The request sent to target `index` ended after `ms` milliseconds. */
  release(index: number, ms: number): void;
}

const noop = () => {};

function keyReader(hashOn: NonNullable<LoadBalancing["hashOn"]>): (req: IncomingMessage) => string | undefined {
  if (hashOn.source === "ip") return (req) => req.socket.remoteAddress;
  const name = hashOn.name.toLowerCase();
  if (hashOn.source === "header") {
    return (req) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
  }
  const prefix = `${hashOn.name}=`;
  return (req) => {
    const cookie = req.headers.cookie;
    if (!cookie) return undefined;
    for (const part of cookie.split(";")) {
      const p = part.trim();
      if (p.startsWith(prefix)) return p.slice(prefix.length);
    }
    return undefined;
  };
}

/**
 * Builds the balancer a service's settings ask for, at compile time: the request path pays for nothing else.
 * `usable` says whether a target may take traffic now (active health, outlier ejection).
 */
export function createBalancer(
  targets: readonly { address: string; weight: number }[],
  lb: LoadBalancing,
  usable: (index: number) => boolean = () => true,
  random: () => number = Math.random,
  now: () => number = Date.now,
): Balancer {
  const { choose, release } = build(targets, lb, random, now);
  // Retries are rare: they alone pay for the second predicate, which skips the target to avoid.
  let avoided = -1;
  const usableElsewhere = (i: number) => i !== avoided && usable(i);
  return {
    pick(req, avoid = -1) {
      if (avoid < 0 || targets.length < 2) return choose(req, usable);
      avoided = avoid;
      const i = choose(req, usableElsewhere);
      return i >= 0 ? i : choose(req, usable);
    },
    release,
  };
}

interface Chooser {
  choose(req: IncomingMessage, usable: (index: number) => boolean): number;
  release(index: number, ms: number): void;
}

function build(targets: readonly { address: string; weight: number }[], lb: LoadBalancing, random: () => number, now: () => number): Chooser {
  const weights = targets.map((t) => t.weight);
  const live = targets.map((_, i) => i).filter((i) => weights[i] > 0);
  const roundRobin = new SmoothWeightedRoundRobin(weights);

  switch (lb.algorithm) {
    case "least-requests": {
      const outstanding = new Int32Array(targets.length);
      let start = 0;
      return {
        choose(_req, usable) {
          let best = -1;
          let bestLoad = Infinity;
          start = (start + 1) % Math.max(1, live.length);
          for (let k = 0; k < live.length; k++) {
            const i = live[(start + k) % live.length];
            if (!usable(i)) continue;
            const load = (outstanding[i] + 1) / weights[i];
            if (load < bestLoad) {
              best = i;
              bestLoad = load;
            }
          }
          if (best >= 0) outstanding[best]++;
          return best;
        },
        release(index) {
          if (outstanding[index] > 0) outstanding[index]--;
        },
      };
    }
    case "consistent-hash": {
      const ring = new HashRing(
        live,
        live.map((i) => weights[i]),
        (i) => targets[i].address,
      );
      const readKey = keyReader(lb.hashOn ?? { source: "ip", name: "" });
      return {
        choose(req, usable) {
          const key = readKey(req);
          return key === undefined || key === "" ? roundRobin.pick(usable) : (ring.pick(key, usable) ?? -1);
        },
        release: noop,
      };
    }
    case "latency-aware": {
      const ewma = targets.map(() => new PeakEwma(10_000, now));
      const load = (i: number) => ewma[i].load() / weights[i];
      return {
        choose(_req, usable) {
          let i = pickTwoChoices(live, load, random);
          if (i !== undefined && !usable(i)) {
            // Rare: a chosen target is down; take the least loaded of the ones that are up.
            i = undefined;
            for (const j of live) if (usable(j) && (i === undefined || load(j) < load(i))) i = j;
          }
          if (i === undefined) return -1;
          ewma[i].outstanding++;
          return i;
        },
        release(index, ms) {
          const e = ewma[index];
          if (e.outstanding > 0) e.outstanding--;
          e.observe(ms);
        },
      };
    }
    default:
      return { choose: (_req, usable) => roundRobin.pick(usable), release: noop };
  }
}
