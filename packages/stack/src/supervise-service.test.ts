import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RestartBackoff } from "./restart-backoff";
import { spawnService } from "./spawn-service";
import { superviseService, type SupervisedService } from "./supervise-service";

const logDir = mkdtempSync(join(tmpdir(), "bulwark-supervise-"));
const running: SupervisedService[] = [];
afterAll(async () => {
  for (const s of running) await s.stop(2_000);
  rmSync(logDir, { recursive: true, force: true });
});

/** A real child process that runs until killed. */
function sleeper(): SupervisedService {
  const lines: string[] = [];
  const service = superviseService(
    () => spawnService({ name: "sleeper", command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"], cwd: logDir, env: process.env, logDir, quiet: true }),
    { log: (m) => lines.push(m), backoff: new RestartBackoff({ initialMs: 50, maxMs: 1_000, resetAfterMs: 60_000 }) },
  );
  running.push(service);
  return Object.assign(service, { lines });
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const exited = (s: SupervisedService) => s.current().child.exitCode !== null || s.current().child.signalCode !== null;

describe("superviseService", () => {
  it("starts a service that was killed again, and says so", async () => {
    const service = sleeper() as SupervisedService & { lines: string[] };
    service.up();
    const first = service.current().child.pid;
    process.kill(first!, "SIGKILL");
    await until(() => service.current().child.pid !== first && service.current().child.pid !== undefined, "a new process");
    expect(exited(service)).toBe(false);
    expect(service.restarts()).toBe(1);
    expect(service.lines.join("\n")).toMatch(/sleeper exited unexpectedly \(SIGKILL\); starting it again in 50 ms \(restart 1\)/);
    // And again, after a longer pause.
    const second = service.current().child.pid;
    process.kill(second!, "SIGKILL");
    await until(() => service.current().child.pid !== second, "a third process");
    expect(service.lines.at(-1)).toMatch(/in 100 ms \(restart 2\)/);
  });

  it("does not restart a service that exits before it came up: that is a failure to start", async () => {
    const service = sleeper();
    const child = service.current().child;
    child.kill("SIGKILL");
    await until(() => exited(service), "the exit");
    await new Promise((r) => setTimeout(r, 300));
    expect(service.current().child).toBe(child);
    expect(service.restarts()).toBe(0);
  });

  it("does not restart a service that exits after the stack began stopping", async () => {
    const service = sleeper();
    service.up();
    const child = service.current().child;
    service.down();
    child.kill("SIGINT"); // as Ctrl-C does, to every process at once
    await until(() => exited(service), "the exit");
    await new Promise((r) => setTimeout(r, 300));
    expect(service.current().child).toBe(child);
    expect(service.restarts()).toBe(0);
  });

  it("does not restart a service it was asked to stop", async () => {
    const service = sleeper();
    service.up();
    const child = service.current().child;
    await service.stop(2_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(service.current().child).toBe(child);
    expect(service.restarts()).toBe(0);
  });
});
