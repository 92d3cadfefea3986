import { RestartBackoff } from "./restart-backoff";
import type { ServiceProcess } from "./spawn-service";

export interface SupervisedService {
  name: string;
  /** The process running now (a new one after each restart). */
  current(): ServiceProcess;
  /** How many times it was restarted. */
  restarts(): number;
  /** The service came up: from now on an exit is a crash, and it is started again. */
  up(): void;
  /** No restart from now on (the stack is stopping: a Ctrl-C reaches every process in the group at once). */
  down(): void;
  /** Stops it for good: no restart after this. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Keeps one part of the stack running: when its process exits without being asked to (a crash, the OOM
 * killer, a SIGKILL), it is started again after a back-off, and the launcher says so. Before up(), an exit is a
 * failure to start, which the launcher reports instead (a bad setting would only fail again).
 */
export function superviseService(start: () => ServiceProcess, options: { log: (message: string) => void; backoff?: RestartBackoff; now?: () => number }): SupervisedService {
  const backoff = options.backoff ?? new RestartBackoff();
  const now = options.now ?? Date.now;
  let current: ServiceProcess;
  let armed = false;
  let stopping = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    const service = start();
    current = service;
    backoff.started(now());
    service.child.once("exit", (code, signal) => {
      if (stopping || !armed) return;
      void service.stop(); // closes its log file
      const delayMs = backoff.delayAfterExit(now());
      restarts++;
      options.log(`${service.name} exited unexpectedly (${signal ?? `code ${code}`}); starting it again in ${delayMs} ms (restart ${restarts})`);
      timer = setTimeout(() => {
        timer = undefined;
        if (!stopping) run();
      }, delayMs);
    });
  };
  run();
  return {
    name: current!.name,
    current: () => current,
    restarts: () => restarts,
    up: () => {
      armed = true;
    },
    down: () => {
      stopping = true;
      clearTimeout(timer);
    },
    stop: async (timeoutMs) => {
      stopping = true;
      clearTimeout(timer);
      await current.stop(timeoutMs);
    },
  };
}
