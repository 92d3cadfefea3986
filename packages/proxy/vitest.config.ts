import { defineConfig } from "vitest/config";

// Integration tests start real PostgreSQL and gateway processes: one file at a time, generous timeouts.
export default defineConfig({ test: { testTimeout: 90_000, hookTimeout: 120_000, fileParallelism: false } });
