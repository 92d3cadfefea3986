import { notFound } from "next/navigation";
import { NotFoundError } from "@bulwark/db/errors";
import { toJson } from "@/lib/api";
import { getDb } from "@/server/db";
import { readTrace } from "@/server/read-trace";
import { TraceWaterfall } from "./trace-waterfall";
import { requirePage } from "@/server/auth/page-auth";

export const dynamic = "force-dynamic";

export default async function TracePage({ params }: { params: Promise<{ traceId: string }> }) {
  await requirePage();
  const { traceId } = await params;
  const trace = await readTrace(getDb(), decodeURIComponent(traceId)).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  return <TraceWaterfall spans={toJson(trace.spans)} traceId={trace.traceId} />;
}
