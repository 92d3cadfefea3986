import { z } from "zod";
import { urlRefusal, type OutboundUse } from "./outbound-address";
import { outboundPolicy } from "./outbound-policy";

/** An optional http(s) URL Bulwark itself calls out to (JWKS, webhooks), refused where the outbound policy says. */
export function outboundUrlSchema(use: Exclude<OutboundUse, "target">) {
  return z
    .string()
    .url("must be an http(s) URL")
    .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL")
    .superRefine((u, ctx) => {
      const refusal = urlRefusal(use, u, outboundPolicy());
      if (refusal !== null) ctx.addIssue({ code: "custom", message: refusal });
    })
    .nullable()
    .default(null);
}
