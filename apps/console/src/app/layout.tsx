import type { Metadata } from "next";
import type { ReactNode } from "react";
import { getDraftStatus } from "@bulwark/db/config-store";
import { Providers } from "@/components/providers";
import { PublishBar } from "@/components/publish-bar";
import { SideNav } from "@/components/side-nav";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import "./global.css";
import "./dashboards.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Bulwark console", description: "Services, routes, versions, workers, SLOs, traffic and traces of the Bulwark API gateway" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const draft = toJson(await getDraftStatus(getDb()));
  return (
    <html lang="en">
      <body>
        <Providers>
          <div className="shell">
            <SideNav />
            <div className="main-col">
              <PublishBar initialDraft={draft} />
              <main className="content">{children}</main>
            </div>
          </div>
        </Providers>
      </body>
    </html>
  );
}
