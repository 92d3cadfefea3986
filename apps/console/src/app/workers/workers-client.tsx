"use client";

import { useQuery } from "@tanstack/react-query";
import { api, formatTime, queryKeys, type WorkersView } from "@/lib/api";
import { PageHead } from "@/components/page-head";

const STATE_LABEL: Record<string, string> = {
  current: "current",
  lagging: "lagging",
  rejected: "rejected config",
  starting: "starting",
  stale: "no heartbeat",
  stopped: "stopped",
};

export function WorkersClient({ initial }: { initial: WorkersView }) {
  const query = useQuery({ queryKey: queryKeys.workers, queryFn: () => api<WorkersView>("/workers"), initialData: initial, refetchInterval: 2_000 });
  const { latestVersion, workers } = query.data;
  const live = workers.filter((w) => w.state !== "stopped");
  const troubled = live.filter((w) => w.state !== "current");
  return (
    <section>
      <PageHead
        title="Workers"
        description={
          <>
            Gateway processes and the config version each one runs. Latest published version: <strong data-testid="workers-latest">{latestVersion === 0 ? "none" : `v${latestVersion}`}</strong>.
            Refreshes every 2 s.
          </>
        }
      />
      {troubled.length > 0 ? (
        <div className="banner warn" role="alert" data-testid="workers-warning">
          <strong>
            {troubled.length} of {live.length} worker{live.length === 1 ? "" : "s"} not on the latest version.
          </strong>
          <ul>
            {troubled.map((w) => (
              <li key={w.id}>
                <span className="mono">
                  {w.host}:{w.pid}
                </span>{" "}
                — {w.warning}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        live.length > 0 && (
          <div className="banner ok" data-testid="workers-ok">
            All {live.length} worker{live.length === 1 ? "" : "s"} run {latestVersion === 0 ? "no version yet" : `v${latestVersion}`}.
          </div>
        )
      )}
      <div className="card table-card">
        <table className="table" data-testid="workers-table">
          <thead>
            <tr>
              <th>Worker</th>
              <th>Host</th>
              <th>PID</th>
              <th>Started</th>
              <th>Last heartbeat</th>
              <th>Version</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {workers.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  No worker has reported in the last hour.
                </td>
              </tr>
            )}
            {workers.map((w) => (
              <tr key={w.id} data-testid="worker-row" data-state={w.state}>
                <td className="mono small" title={w.id}>
                  {w.id.length > 18 ? `${w.id.slice(0, 18)}…` : w.id}
                </td>
                <td className="mono">{w.host}</td>
                <td className="mono">{w.pid}</td>
                <td className="nowrap">{formatTime(w.startedAt)}</td>
                <td className="nowrap">{formatTime(w.lastHeartbeatAt)}</td>
                <td data-testid="worker-version">{w.version === null ? <span className="muted">—</span> : `v${w.version}`}</td>
                <td>
                  <span className={`badge state-${w.state}`} data-testid="worker-state">
                    {STATE_LABEL[w.state] ?? w.state}
                  </span>
                  {w.warning && w.state !== "current" && <div className="small warn-text">{w.warning}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
