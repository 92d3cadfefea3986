"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, formatTime, queryKeys, type ConfigChange, type VersionDetail, type VersionSummary } from "@/lib/api";
import { PageHead } from "@/components/page-head";

function Changes({ changes }: { changes: ConfigChange[] }) {
  if (!changes.length) return <span className="muted">no changes</span>;
  return (
    <ul className="chips wrap">
      {changes.map((c) => (
        <li key={`${c.kind}-${c.name}`} className={`chip change-${c.change}`}>
          {c.change} {c.kind} <span className="mono">{c.name}</span>
        </li>
      ))}
    </ul>
  );
}

export function VersionsClient({ initialVersions }: { initialVersions: VersionSummary[] }) {
  const versions = useQuery({ queryKey: queryKeys.versions, queryFn: () => api<VersionSummary[]>("/versions"), initialData: initialVersions });
  const [selected, setSelected] = useState<number | null>(null);
  const detail = useQuery({
    queryKey: [...queryKeys.versions, selected],
    queryFn: () => api<VersionDetail>(`/versions/${selected}`),
    enabled: selected !== null,
    staleTime: Infinity, // published versions never change
  });

  return (
    <section>
      <PageHead
        title="Versions"
        description="Every publish is an immutable version. Select one to see the exact config the workers load; stored secrets show as set, with a fingerprint, never their values."
      />
      <div className={selected === null ? "" : "split"}>
        <div className="card table-card">
          <table className="table" data-testid="versions-table">
            <thead>
              <tr>
                <th>Version</th>
                <th>Author</th>
                <th>Published</th>
                <th>Message</th>
                <th>What changed</th>
              </tr>
            </thead>
            <tbody>
              {versions.data.length === 0 && (
                <tr>
                  <td colSpan={5} className="empty">
                    Nothing published yet.
                  </td>
                </tr>
              )}
              {versions.data.map((v) => (
                <tr
                  key={v.version}
                  data-testid={`version-row-${v.version}`}
                  className={selected === v.version ? "clickable selected" : "clickable"}
                  onClick={() => setSelected(selected === v.version ? null : v.version)}
                >
                  <td>
                    <button type="button" className="link-button version-pill" data-testid={`version-open-${v.version}`}>
                      v{v.version}
                    </button>
                  </td>
                  <td>{v.author}</td>
                  <td className="nowrap">{formatTime(v.createdAt)}</td>
                  <td>{v.message}</td>
                  <td>
                    <Changes changes={v.changes} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {selected !== null && (
          <div className="card config-panel" data-testid="version-config">
            <div className="panel-head">
              <h2>Version {selected}</h2>
              <button type="button" className="btn small ghost" onClick={() => setSelected(null)}>
                Close
              </button>
            </div>
            {detail.isPending && <p className="muted">Loading…</p>}
            {detail.error && <div className="banner error">{detail.error.message}</div>}
            {detail.data && (
              <>
                <p className="muted mono small">sha256 {detail.data.hash}</p>
                <pre className="json">{JSON.stringify(detail.data.config, null, 2)}</pre>
              </>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
