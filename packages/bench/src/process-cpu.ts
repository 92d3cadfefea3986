import { readdirSync, readFileSync } from "node:fs";

// Linux reports process times in clock ticks of USER_HZ, which is 100 on every architecture Linux supports.
const MICROS_PER_TICK = 10_000;

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** pid and every process below it. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields === null) continue;
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/**
 * CPU time (user + system) used so far by a process and all its descendants, in microseconds; NaN where /proc
 * is not there (not Linux). Sampled before and after a load run, it gives the CPU each proxy spent per request,
 * which unlike requests per second does not depend on how the machine's cores were shared during the run.
 */
export function treeCpuMicros(root: number | undefined): number {
  if (root === undefined || process.platform !== "linux") return NaN;
  let ticks = 0;
  for (const pid of processTree(root)) {
    const fields = statFields(pid);
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, 12 and 13 counted from field 3.
    if (fields !== null) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * MICROS_PER_TICK;
}

/** Resident memory of a process and each of its descendants, in bytes, root first; empty where /proc is not there. */
export function treeRssBytes(root: number | undefined): number[] {
  if (root === undefined || process.platform !== "linux") return [];
  const out: number[] = [];
  for (const pid of processTree(root)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) out.push(Number(m[1]) * 1024);
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}
