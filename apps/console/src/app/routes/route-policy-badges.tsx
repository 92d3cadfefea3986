import { DEFAULT_RETRIES, type Retries } from "@bulwark/config/schema";
import type { Route } from "@/lib/api";
import { formatBytes, formatMs } from "@/lib/format-units";

interface Badge {
  key: string;
  text: string;
  title: string;
  tone: "critical" | "low" | "faults" | "canary" | "neutral" | "breaker" | "access";
}

const windowText = (ms: number) => formatMs(ms).replace(" ", "");
const same = (a: unknown, b: unknown) => (Array.isArray(a) && Array.isArray(b) ? [...a].sort().join() === [...b].sort().join() : a === b);
// Key by key: JSONB hands objects back with its own key order, and list order means nothing here.
const isDefaultRetries = (r: Retries) => (Object.keys(DEFAULT_RETRIES) as (keyof Retries)[]).every((k) => same(r[k], DEFAULT_RETRIES[k]));

/** A route's policies in a few words each, for the table: what an operator scans for at a glance. */
export function routeBadges(r: Route, breaker: boolean): Badge[] {
  const badges: Badge[] = [];
  const priority = r.priority ?? "normal";
  if (priority !== "normal") badges.push({ key: "priority", text: priority, title: priority === "critical" ? "shed last under overload" : "shed first under overload", tone: priority });
  if (r.faults) {
    const parts = [r.faults.abort && `abort ${r.faults.abort.percent}% with ${r.faults.abort.status}`, r.faults.delay && `delay ${r.faults.delay.percent}% by ${formatMs(r.faults.delay.ms)}`].filter(
      Boolean,
    );
    badges.push({ key: "faults", text: "faults", title: `fault injection on: ${parts.join(", ")}`, tone: "faults" });
  }
  badges.push(...accessBadges(r));
  if (r.split) {
    const header = r.split.header ? ` and requests with ${r.split.header.name}: ${r.split.header.value}` : "";
    badges.push({ key: "split", text: `canary ${r.split.percent}% → ${r.split.service}`, title: `${r.split.percent}% of requests${header} go to ${r.split.service}`, tone: "canary" });
  }
  if (r.rateLimit) {
    const by = r.rateLimit.by === "route" ? "" : r.rateLimit.by === "header" ? ` per ${r.rateLimit.header}` : ` per ${r.rateLimit.by}`;
    badges.push({ key: "rate", text: `rate ${r.rateLimit.requests}/${windowText(r.rateLimit.windowMs)}${by}`, title: "rate limit: over it, requests get 429", tone: "neutral" });
  }
  if (r.fallback)
    badges.push({ key: "fallback", text: r.fallback.lastGood ? "fallback last-good" : `fallback ${r.fallback.status}`, title: "answers for the upstream when it cannot", tone: "neutral" });
  if (breaker) badges.push({ key: "breaker", text: "breaker", title: `service ${r.service} has a circuit breaker`, tone: "breaker" });
  const retries = r.retries ?? DEFAULT_RETRIES;
  if (retries.attempts === 0) badges.push({ key: "retries", text: "no retries", title: "retries are off", tone: "neutral" });
  else if (!isDefaultRetries(retries)) {
    const on = retries.statuses.length ? ` on ${retries.statuses.join(", ")}` : "";
    badges.push({ key: "retries", text: `retry ×${retries.attempts}`, title: `up to ${retries.attempts} retries after connection failures${on}`, tone: "neutral" });
  }
  if (r.maxBodyBytes != null) badges.push({ key: "body", text: `body ≤ ${formatBytes(r.maxBodyBytes)}`, title: "larger request bodies get 413", tone: "neutral" });
  return badges;
}

const entries = (n: number) => `${n} ${n === 1 ? "entry" : "entries"}`;

/** Who may call the route: an operator checks these first when a client reports 401 or 403. */
function accessBadges(r: Route): Badge[] {
  const badges: Badge[] = [];
  const auth = r.auth ?? null;
  const either = auth?.apiKey && auth.jwt ? "; either credential passes" : "";
  if (auth?.apiKey) badges.push({ key: "key-auth", text: "key auth", title: `requests need a consumer's API key in ${auth.apiKey.header}${either}`, tone: "access" });
  if (auth?.jwt) {
    const jwt = auth.jwt;
    const checks = [jwt.issuer && `iss ${jwt.issuer}`, jwt.audience && `aud ${jwt.audience}`].filter(Boolean).join(", ");
    const keys = jwt.algorithm === "HS256" ? "a shared secret" : `keys from ${jwt.jwksUrl}`;
    badges.push({ key: "jwt", text: `JWT ${jwt.algorithm}`, title: `requests need a bearer token signed with ${keys}${checks ? `; checks ${checks}` : ""}${either}`, tone: "access" });
  }
  const allow = r.ipAllow ?? [];
  const deny = r.ipDeny ?? [];
  if (allow.length) badges.push({ key: "ip-allow", text: `IP allow ${allow.length}`, title: `only ${allow.join(", ")} may call (${entries(allow.length)})`, tone: "access" });
  if (deny.length) badges.push({ key: "ip-deny", text: `IP deny ${deny.length}`, title: `${deny.join(", ")} get 403 (${entries(deny.length)})`, tone: "access" });
  return badges;
}

export function RoutePolicyBadges({ route, breaker }: { route: Route; breaker: boolean }) {
  const badges = routeBadges(route, breaker);
  if (!badges.length) return <span className="muted">defaults</span>;
  return (
    <ul className="chips policy-chips">
      {badges.map((b) => (
        <li key={b.key} className={`chip policy-${b.tone}`} title={b.title} data-testid={`policy-${b.key}`}>
          {b.text}
        </li>
      ))}
    </ul>
  );
}
