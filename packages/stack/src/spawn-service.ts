import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Last lines of output, for the error when it fails to start. */
  tail(): string;
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Spawns one part of the stack as its own process. Output goes to `<logDir>/<name>.log` and, unless quiet,
 * to this terminal with a name prefix.
 */
export function spawnService(options: { name: string; command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv; logDir: string; quiet: boolean }): ServiceProcess {
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(join(options.logDir, `${options.name}.log`), { flags: "a" });
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (!options.quiet) process.stdout.write(`[${options.name}] ${line}\n`);
    }
  };
  // A process that cannot be started (or signalled) must not take the launcher down with an unhandled 'error'.
  child.on("error", (error) => onData(Buffer.from(`${options.name}: ${error.message}\n`)));
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name: options.name,
    child,
    tail: () => lines.join("\n"),
    stop: async (timeoutMs = 15_000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}

/** Polls url until it answers with an accepted status, the process dies, or the time runs out. */
export async function waitForHttp(url: string, service: ServiceProcess, options: { timeoutMs?: number; accept?: (status: number) => boolean } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  const accept = options.accept ?? ((s) => s >= 200 && s < 300);
  for (;;) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`${service.name} exited (${service.child.exitCode ?? service.child.signalCode}) before it was ready:\n${service.tail()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (accept(res.status)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${service.name} did not become ready at ${url}:\n${service.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
