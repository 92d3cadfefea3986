import { TIME_RANGES, TrafficQuerySchema } from "@bulwark/config/slo";
import { trafficSeries } from "@bulwark/db/traffic";
import { handle } from "@/server/http/handle";
import { parseQuery } from "@/server/http/parse-query";

export const dynamic = "force-dynamic";

export const GET = handle(({ db, request }) => {
  const { scope, name, range } = parseQuery(TrafficQuerySchema, request);
  return trafficSeries(db, { kind: scope, name }, TIME_RANGES[range]).then((s) => ({ range, ...s }));
});
