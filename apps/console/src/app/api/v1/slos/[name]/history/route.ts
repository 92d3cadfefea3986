import { SloHistoryQuerySchema, TIME_RANGES } from "@bulwark/config/slo";
import { getSloHistory } from "@bulwark/db/slos";
import { handle } from "@/server/http/handle";
import { parseQuery } from "@/server/http/parse-query";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, params, request }) => {
  const { range } = parseQuery(SloHistoryQuerySchema, request);
  return getSloHistory(db, params.name, TIME_RANGES[range]).then((h) => ({ range, ...h }));
});
