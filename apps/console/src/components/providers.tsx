"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createContext, useContext, useState, type ReactNode } from "react";
import { roleAllows, type Role } from "@bulwark/db/roles";

export interface SessionView {
  name: string;
  role: Role;
}

const SessionContext = createContext<SessionView | null>(null);

/** The signed-in user, as the server found them for this page. */
export function useSession(): SessionView | null {
  return useContext(SessionContext);
}

/**
 * Whether to show a control. Only comfort: the server refuses what the role cannot do whatever the UI shows.
 */
export function useCan(role: Role): boolean {
  const session = useSession();
  return session !== null && roleAllows(session.role, role);
}

export function Providers({ children, session }: { children: ReactNode; session: SessionView | null }) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 1_000, refetchOnWindowFocus: true, retry: 1 } } }));
  return (
    <SessionContext.Provider value={session}>
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </SessionContext.Provider>
  );
}
