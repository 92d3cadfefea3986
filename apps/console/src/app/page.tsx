import { redirect } from "next/navigation";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function Home() {
  await requirePage();
  redirect("/routes");
}
