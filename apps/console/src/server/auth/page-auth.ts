import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { roleAllows, type Role } from "@bulwark/db/roles";
import { authenticate, type Principal } from "./authenticate";
import { getDb } from "@/server/db";
import { safeNext } from "@/lib/safe-next";

/** The request's principal, once per render (layout and page share it); null when not signed in. */
export const currentPrincipal = cache(async (): Promise<Principal | null> => {
  try {
    return await authenticate(getDb(), await headers());
  } catch {
    return null; // a bad Bearer header on a page is the same as none: go and sign in
  }
});

/**
 * Every page's first line. Without a session it redirects to the sign-in page (and back here afterwards);
 * with a role too weak for the page, to /forbidden. The server refuses: hiding links is only for comfort.
 */
export async function requirePage(role: Role = "viewer"): Promise<Principal> {
  const principal = await currentPrincipal();
  if (!principal) {
    const path = (await headers()).get("x-bulwark-path");
    redirect(`/sign-in?next=${encodeURIComponent(safeNext(path))}`);
  }
  if (!roleAllows(principal.role, role)) redirect("/forbidden");
  return principal;
}
