"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import { useCan, useSession } from "./providers";

const LINKS = [
  { href: "/services", label: "Services" },
  { href: "/routes", label: "Routes" },
  { href: "/consumers", label: "Consumers" },
  { href: "/versions", label: "Versions" },
  { href: "/workers", label: "Workers" },
];
const OBSERVE = [
  { href: "/slos", label: "SLOs" },
  { href: "/traffic", label: "Traffic" },
  { href: "/traces", label: "Traces" },
];

const ADMIN = [
  { href: "/users", label: "Users" },
  { href: "/tokens", label: "Tokens" },
  { href: "/audit", label: "Audit" },
];

/** Signs out on the server (the session is revoked there), then goes to the sign-in page. */
function SignOut() {
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    await fetch("/api/v1/auth/sign-out", { method: "POST" }).catch(() => {});
    // A full page load, not router.push: it drops everything the signed-out user's pages had cached in memory.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    window.location.assign("/sign-in");
  };
  return (
    <button type="button" className="btn small nav-sign-out" data-testid="sign-out" disabled={busy} onClick={signOut}>
      Sign out
    </button>
  );
}

export function SideNav() {
  const pathname = usePathname();
  const session = useSession();
  const admin = useCan("admin");
  const link = (l: { href: string; label: string }) => {
    const active = pathname === l.href || pathname.startsWith(`${l.href}/`);
    return (
      <li key={l.href}>
        <Link href={l.href} className={active ? "active" : undefined} aria-current={active ? "page" : undefined} data-testid={`nav-${l.label.toLowerCase()}`}>
          {l.label}
        </Link>
      </li>
    );
  };
  return (
    <nav className="side-nav" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          B
        </span>
        <span>Bulwark</span>
      </div>
      <ul>{LINKS.map(link)}</ul>
      <div className="side-nav-group">Observe</div>
      <ul>{OBSERVE.map(link)}</ul>
      {admin && (
        <>
          <div className="side-nav-group">Access</div>
          <ul>{ADMIN.map(link)}</ul>
        </>
      )}
      <div className="side-nav-foot">
        {session && (
          <div className="nav-user" data-testid="nav-user">
            <span className="nav-user-name">{session.name}</span>
            <span className="nav-user-role" data-testid="nav-role">
              {session.role}
            </span>
            <SignOut />
          </div>
        )}
        API gateway console
      </div>
    </nav>
  );
}
