/** Compact durations for tables: 250 ms, 1.5 s, 2 min, 1 h. */
export function formatMs(ms: number): string {
  const round = (n: number) => String(Math.round(n * 10) / 10);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${round(ms / 60_000)} min`;
  return `${round(ms / 3_600_000)} h`;
}

/** Compact sizes: 512 B, 64 KiB, 1.5 MiB, 2 GiB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${Math.round(n * 10) / 10} ${units[u]}`;
}
