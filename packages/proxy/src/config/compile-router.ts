import FindMyWay from "find-my-way";
import { routeKey } from "@bulwark/config/canonical-form";
import type { Slices } from "@bulwark/config/parse-in-slices";
import { claimedPaths, HTTP_METHODS, type Route } from "@bulwark/config/schema";

/** Index of each method the gateway routes in a method table. */
const METHOD_INDEX: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(HTTP_METHODS.map((m, i) => [m, i])));
const ALL_METHODS = HTTP_METHODS.map((_, i) => i);

/** One (host, path) pattern with what each method routes to. */
interface Registration<T> {
  readonly host: string | null;
  readonly path: string;
  /** The path's literal start, up to its first parameter or wildcard: two patterns can only match one path if one literal starts the other. */
  readonly literal: string;
  readonly targets: (T | undefined)[];
  /** Per method, the route's own parameter names when they differ from the ones the pattern was registered with. */
  readonly paramNames: (string[] | null)[];
}

interface RouterMatch<T> {
  route: T;
  params: Record<string, string | undefined>;
}

export interface CompiledRouter<T> {
  /** `path` is canonical (canonical-form.ts) and `host` the canonical host name; a trailing slash is ignored. */
  find(method: string, path: string, host: string): RouterMatch<T> | null;
}

function hostConstraint(host: string): string | RegExp {
  if (!host.startsWith("*.")) return host;
  const suffix = host.slice(1).replace(/[.]/g, "\\.");
  return new RegExp(`^[^.]+${suffix}$`);
}

function hostsMayOverlap(a: string | null, b: string | null): boolean {
  if (a === null || b === null || a === b) return true;
  const wild = (w: string, h: string) => w.startsWith("*.") && (h.endsWith(w.slice(1)) || h.startsWith("*."));
  return wild(a, b) || wild(b, a);
}

const paramNamesOf = (path: string) => [...path.matchAll(/\/:([^/]+)/g)].map((m) => m[1]);
const noop = () => {};

function newTree() {
  return FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 1000 });
}

// find-my-way decodes a path's escapes before it matches (so a pattern holding `%C3%A9` never matched its own
// spelling), while both the patterns and the requests it sees are canonical already (canonical-form.ts): every
// `%` is swapped for DEL, which no canonical path holds, on both sides, so the tree compares them as they are.
const PERCENT = /%/g;
const DEL = "\x7f";
const undecodable = (path: string) => (path.includes("%") ? path.replace(PERCENT, DEL) : path);

function register<T>(tree: ReturnType<typeof newTree>, r: Registration<T>): void {
  tree.on("GET", undecodable(r.path), r.host === null ? {} : { constraints: { host: hostConstraint(r.host) } }, noop, r);
}

/**
 * Which of a set of patterns can match a path another pattern matches: one literal start is a prefix of the
 * other, and the hosts may overlap. Asked once per pattern of a method's fallback tree, so it must not compare
 * with every pattern in the set (that was quadratic: 3.8-5.3 s for 20,000 method-restricted templates). The
 * literals that start this one are looked up by length (a few lengths); the ones this literal starts are one
 * contiguous run of the sorted literals, found by binary search.
 */
class LiteralOverlaps<T> {
  private readonly byLiteral = new Map<string, Registration<T>[]>();
  private readonly lengths: readonly number[];
  private readonly sorted: readonly Registration<T>[];

  constructor(patterns: readonly Registration<T>[]) {
    for (const p of patterns) {
      const same = this.byLiteral.get(p.literal);
      if (same === undefined) this.byLiteral.set(p.literal, [p]);
      else same.push(p);
    }
    this.lengths = [...new Set(patterns.map((p) => p.literal.length))];
    this.sorted = [...patterns].sort((a, b) => (a.literal < b.literal ? -1 : a.literal > b.literal ? 1 : 0));
  }

  any(reg: Registration<T>): boolean {
    const literal = reg.literal;
    for (const n of this.lengths) {
      if (n > literal.length) continue;
      const starts = this.byLiteral.get(n === literal.length ? literal : literal.slice(0, n));
      if (starts?.some((p) => hostsMayOverlap(p.host, reg.host))) return true;
    }
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid].literal < literal) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.sorted.length && this.sorted[i].literal.startsWith(literal); i++) {
      if (hostsMayOverlap(this.sorted[i].host, reg.host)) return true;
    }
    return false;
  }
}

const NO_PARAMS: Readonly<Record<string, string | undefined>> = Object.freeze({});

/**
 * Static routes without hosts (exact paths and prefixes, the bulk of a large config) in two maps: the path
 * itself, and each prefix's `literal/` start. Per method, the answer is built once, so a lookup allocates nothing
 * but the path's prefixes it tries.
 */
class StaticIndex<T> {
  readonly exact = new Map<string, (RouterMatch<T> | undefined)[]>();
  readonly prefix = new Map<string, (RouterMatch<T> | undefined)[]>();

  add(map: Map<string, (RouterMatch<T> | undefined)[]>, key: string, methods: readonly number[], target: T): void {
    let byMethod = map.get(key);
    if (byMethod === undefined) map.set(key, (byMethod = HTTP_METHODS.map(() => undefined)));
    const match = Object.freeze({ route: target, params: NO_PARAMS });
    for (const m of methods) byMethod[m] = match;
  }

  /** The lengths of the prefixes' `literal/` keys, longest first: only those are worth a lookup. */
  private lengths: readonly number[] = [];

  seal(): void {
    this.lengths = [...new Set([...this.prefix.keys()].map((k) => k.length))].sort((a, b) => b - a);
  }

  /** How many characters of the path the last find() matched literally (the worker is one thread: read it at once). */
  matched = 0;

  /** The most specific static route taking method m (its literal length in `matched`), or null. */
  find(m: number, path: string): RouterMatch<T> | null {
    const exact = this.exact.get(path)?.[m];
    if (exact !== undefined) {
      this.matched = path.length;
      return exact;
    }
    // One lookup per prefix length that exists (a few), never one per slash of the path: a path of thousands of
    // segments costs no more than a short one.
    const lengths = this.lengths;
    for (let i = 0; i < lengths.length; i++) {
      const n = lengths[i];
      if (n > path.length || path.charCodeAt(n - 1) !== 47) continue;
      const hit = this.prefix.get(n === path.length ? path : path.slice(0, n))?.[m];
      if (hit !== undefined) {
        this.matched = n;
        return hit;
      }
    }
    return null;
  }
}

/**
 * Compiles routes into two structures that answer as one radix tree would (static segments before parameters
 * before wildcards, the longest literal start winning, a matching host constraint before none):
 *
 * - hostless exact and prefix routes go into a StaticIndex (two map entries each);
 * - templates and routes with hosts go into a find-my-way tree, where each (host, path) pattern is registered
 *   once, whatever its methods, with a table from method to route.
 *
 * find-my-way compiles functions per pattern and per node: 10,000 prefix routes held about 39 MB there, and a
 * few MB in the index. A request's answer is the more specific of the two structures' answers: the one that
 * matched more of the path literally, and on a tie the tree's (its next step is a parameter, or a host-constrained
 * pattern, which a tree prefers to a wildcard or an unconstrained one).
 *
 * One tree for all methods has one trap: a request can land on a more specific pattern that does not take its
 * method, where a per-method tree would have found a broader pattern that does (`GET /exams/1/submissions` on a
 * POST-only template inside an any-method `/exams` prefix). For each method that some pattern lacks, a second
 * tree holds just the patterns with that method that can overlap such a pattern, and the lookup falls back to
 * it. With no method-restricted routes there is no second tree at all.
 */
export function compileRouter<T>(routes: readonly { route: Route; target: T }[]): CompiledRouter<T> {
  const steps = routerSteps(routes);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** compileRouter, giving the event loop back between steps whenever `slices` says so (config-watcher's apply). */
export async function compileRouterInSlices<T>(routes: readonly { route: Route; target: T }[], slices: Slices): Promise<CompiledRouter<T>> {
  const steps = routerSteps(routes);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (slices.due()) await slices.yield();
  }
}

/** The router's build, one route or pattern per step. */
function* routerSteps<T>(routes: readonly { route: Route; target: T }[]): Generator<void, CompiledRouter<T>> {
  const byKey = new Map<string, Registration<T>>();
  const index = new StaticIndex<T>();
  for (const { route, target } of routes) {
    yield;
    const methods = route.methods.length ? route.methods.map((m) => METHOD_INDEX[m]) : ALL_METHODS;
    if (route.hosts.length === 0 && route.pathType !== "template") {
      const [path, wildcard] = claimedPaths(route);
      index.add(index.exact, path, methods, target);
      if (wildcard !== undefined) index.add(index.prefix, wildcard.slice(0, -1), methods, target);
      continue;
    }
    // Templates are keyed with their parameter names erased (`/a/:id` and `/a/:key` are one pattern).
    const paths = route.pathType === "template" ? [route.path] : claimedPaths(route);
    const erased = route.pathType === "template" ? claimedPaths(route) : paths;
    for (const host of route.hosts.length ? route.hosts : [null]) {
      paths.forEach((path, i) => {
        const key = `${host ?? ""} ${erased[i]}`;
        let reg = byKey.get(key);
        if (reg === undefined) {
          const cut = path.search(/\/[:*]/);
          reg = { host, path, literal: cut < 0 ? path : path.slice(0, cut + 1), targets: HTTP_METHODS.map(() => undefined), paramNames: HTTP_METHODS.map(() => null) };
          byKey.set(key, reg);
        }
        const names = reg.path === path ? null : paramNamesOf(path);
        for (const m of methods) {
          reg.targets[m] = target;
          reg.paramNames[m] = names;
        }
      });
    }
  }

  index.seal();
  if (byKey.size === 0) {
    return {
      find(method, path) {
        const m = METHOD_INDEX[method];
        return m === undefined ? null : index.find(m, routeKey(path));
      },
    };
  }

  const main = newTree();
  const partial: Registration<T>[] = [];
  for (const reg of byKey.values()) {
    yield;
    register(main, reg);
    if (reg.targets.includes(undefined)) partial.push(reg);
  }

  const fallbacks: (ReturnType<typeof newTree> | null)[] = [];
  for (let m = 0; m < HTTP_METHODS.length; m++) {
    const lacking = partial.filter((p) => p.targets[m] === undefined);
    if (lacking.length === 0) {
      fallbacks.push(null);
      continue;
    }
    yield;
    const overlapping = new LiteralOverlaps(lacking);
    const tree = newTree();
    for (const reg of byKey.values()) {
      if (reg.targets[m] === undefined) continue;
      yield;
      if (overlapping.any(reg)) register(tree, reg);
    }
    fallbacks.push(tree);
  }

  const hit = (found: FindMyWay.FindResult<FindMyWay.HTTPVersion.V1> | null, m: number, escaped: boolean): { match: RouterMatch<T>; literal: number } | null => {
    if (found === null) return null;
    const reg = found.store as Registration<T>;
    const target = reg.targets[m];
    if (target === undefined) return null;
    const names = reg.paramNames[m];
    const literal = reg.literal.length;
    let params = found.params;
    if (escaped) params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v?.replace(/\x7f/g, "%")]));
    if (names === null) return { match: { route: target, params }, literal };
    const values = Object.values(params);
    return { match: { route: target, params: Object.fromEntries(names.map((n, i) => [n, values[i]])) }, literal };
  };

  return {
    find(method, canonical, host) {
      const m = METHOD_INDEX[method];
      if (m === undefined) return null;
      const path = routeKey(canonical);
      const treePath = undecodable(path);
      const constraints = { host };
      let tree = hit(main.find("GET", treePath, constraints), m, treePath !== path);
      if (tree === null) {
        const fallback = fallbacks[m];
        if (fallback !== null) tree = hit(fallback.find("GET", treePath, constraints), m, treePath !== path);
      }
      const fixed = index.find(m, path);
      if (fixed === null) return tree?.match ?? null;
      if (tree === null) return fixed;
      return index.matched > tree.literal ? fixed : tree.match;
    },
  };
}
