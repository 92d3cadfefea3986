import { redirect } from "next/navigation";
import { safeNext } from "@/lib/safe-next";
import { currentPrincipal } from "@/server/auth/page-auth";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";

/** The one page open to everyone. Already signed in: straight on to where the user was going. */
export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const next = safeNext((await searchParams).next);
  if (await currentPrincipal()) redirect(next);
  return <SignInForm next={next} />;
}
