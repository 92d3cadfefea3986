/** Formatting for dashboards: percentages with enough digits for 99.9% objectives, burn rates, latencies, counts. */

export function formatPercent(fraction: number | null | undefined, digits = 2): string {
  if (fraction == null || !Number.isFinite(fraction)) return "—";
  const text = (fraction * 100).toFixed(digits);
  return `${text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text}%`;
}

export function formatBurn(rate: number | null | undefined): string {
  if (rate == null) return "—";
  if (rate === 0) return "0×";
  return rate >= 100 ? `${Math.round(rate)}×` : rate >= 10 ? `${rate.toFixed(1)}×` : `${rate.toFixed(2)}×`;
}

export function formatLatency(ms: number | null | undefined): string {
  if (ms == null) return "—";
  if (ms === 0) return "0 ms";
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 2)} s` : `${ms >= 100 ? Math.round(ms) : ms.toFixed(1)} ms`;
}

export function formatCount(n: number | null | undefined): string {
  if (n == null) return "—";
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toFixed(2);
}

export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond == null) return "—";
  if (Number.isInteger(perSecond)) return `${perSecond}/s`;
  return perSecond >= 100 ? `${Math.round(perSecond)}/s` : `${perSecond.toFixed(perSecond >= 10 ? 1 : 2)}/s`;
}

const pad = (n: number) => String(n).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Axis labels in UTC, like every other time in the console: 14:05 within a day, "Nov 25" beyond. */
export function formatTick(t: number, spanMs: number): string {
  const d = new Date(t);
  if (spanMs <= 36 * 3_600_000) return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

export function formatInstant(t: number): string {
  const d = new Date(t);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** Round tick positions for a time axis: every 10 min for an hour, every 5 days for a month. */
export function timeTicks(from: number, to: number): number[] {
  const span = to - from;
  const steps = [60_000, 5 * 60_000, 10 * 60_000, 30 * 60_000, 3_600_000, 2 * 3_600_000, 4 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 2 * 86_400_000, 5 * 86_400_000, 7 * 86_400_000];
  const step = steps.find((s) => span / s <= 8) ?? steps[steps.length - 1];
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return ticks;
}

/** Round ticks from `lo` to `hi` (about `count` of them) and the domain they span: [0.99, 0.995, 1] rather than 0.9937... */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; domain: [number, number] } {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= end + step / 1e6; v += step) ticks.push(Number(v.toFixed(12)));
  return { ticks, domain: [start, end] };
}
