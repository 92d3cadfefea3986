import "server-only";
import type { Db } from "@bulwark/db/client";
import { NotFoundError } from "@bulwark/db/errors";
import { getTrace, type SpanRow } from "@bulwark/db/traces";

/** Every kept span of one trace; a trace with none is a 404, not an empty waterfall. */
export async function readTrace(db: Db, traceId: string): Promise<{ traceId: string; spans: SpanRow[] }> {
  const spans = traceId.length <= 64 ? await getTrace(db, traceId) : [];
  if (!spans.length) throw new NotFoundError(`trace ${traceId} was not kept (or has been pruned)`);
  return { traceId, spans };
}
