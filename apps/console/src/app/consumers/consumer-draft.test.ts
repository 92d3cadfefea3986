import { describe, expect, it } from "vitest";
import { formatIssues } from "@bulwark/config/errors";
import { ConsumerSchema } from "@bulwark/config/schema";
import { blankConsumer, consumerErrorPaths, fromConsumer, toConsumerBody } from "./consumer-draft";

describe("consumer drafts", () => {
  it("sends name and description only, so saving never touches the consumer's keys", () => {
    const consumer = ConsumerSchema.parse({ name: "mobile-app", description: "iOS app", apiKeys: [{ id: "abcdef123456", sha256: "a".repeat(64), createdAt: "2026-11-25T10:00:00Z" }] });
    const body = toConsumerBody({ ...fromConsumer(consumer), description: "  iOS and Android apps " });
    expect(body).toEqual({ name: "mobile-app", description: "iOS and Android apps" });
    expect(formatIssues(ConsumerSchema.safeParse(toConsumerBody({ ...blankConsumer(), name: "Mobile App" })).error!)[0].path).toBe("name");
    expect(consumerErrorPaths("description")).toBe(true);
    expect(consumerErrorPaths("apiKeys")).toBe(false);
  });
});
