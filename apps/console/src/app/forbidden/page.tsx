import Link from "next/link";
import { PageHead } from "@/components/page-head";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

/** Where a page sends a signed-in user whose role is too weak for it. */
export default async function ForbiddenPage() {
  const principal = await requirePage();
  return (
    <section data-testid="forbidden">
      <PageHead title="Not allowed" description={`That page needs a stronger role than ${principal.role}. An admin can change your role.`} />
      <Link href="/routes" className="btn">
        Back to routes
      </Link>
    </section>
  );
}
