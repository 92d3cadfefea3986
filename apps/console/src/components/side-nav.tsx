"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

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

export function SideNav() {
  const pathname = usePathname();
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
      <div className="side-nav-foot">API gateway console</div>
    </nav>
  );
}
