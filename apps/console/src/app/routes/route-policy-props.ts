import type { FieldErrors } from "@/components/form-bits";
import type { RouteDraft } from "./route-draft";

// Its own module so the policy field groups and the form that holds them share these props without importing each other.
type PolicyKey = "retries" | "fallback" | "rateLimit" | "split" | "faults" | "access";
export interface PolicyProps {
  draft: RouteDraft;
  /** Patches one policy of the draft. */
  patch: <K extends PolicyKey>(key: K, patch: Partial<RouteDraft[K]>) => void;
  set: (patch: Partial<RouteDraft>) => void;
  errors: FieldErrors;
  serviceNames: string[];
  /** The draft of the last save, whose errors are shown: list errors name entries by index in it. */
  sent?: RouteDraft;
}
