import type { Consumer } from "@/lib/api";

/** The consumer form edits the name and description; keys are made and revoked one by one, never through it. */
export interface ConsumerDraft {
  name: string;
  description: string;
}

export const blankConsumer = (): ConsumerDraft => ({ name: "", description: "" });
export const fromConsumer = (c: Consumer): ConsumerDraft => ({ name: c.name, description: c.description ?? "" });
// No apiKeys in the body: the server keeps a consumer's keys unless a body lists them.
export const toConsumerBody = (d: ConsumerDraft) => ({ name: d.name.trim(), description: d.description.trim() });
/** Key errors (too many keys) have no input in the form: they go to its banner. */
export const consumerErrorPaths = (p: string) => p === "name" || p === "description";
