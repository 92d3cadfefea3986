import type { Metadata } from "next";
import type { ReactNode } from "react";
import { getDraftStatus } from "@bulwark/db/config-store";
import { Providers } from "@/components/providers";
import { PublishBar } from "@/components/publish-bar";
import { SideNav } from "@/components/side-nav";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { currentPrincipal } from "@/server/auth/page-auth";
import "./global.css";
import "./dashboards.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Bulwark console", description: "Services, routes, versions, workers, SLOs, traffic and traces of the Bulwark API gateway" };

/**
 * The shell (navigation, publish bar) is drawn only for a signed-in user; each page checks access itself
 * (requirePage), since a layout is not re-run on every navigation.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const principal = await currentPrincipal();
  if (!principal) {
    return (
      <html lang="en">
        <body>
          <Providers session={null}>{children}</Providers>
        </body>
      </html>
    );
  }
  const draft = toJson(await getDraftStatus(getDb()));
  const session = { name: principal.name, role: principal.role };
  return (
    <html lang="en">
      <body>
        <Providers session={session}>
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
