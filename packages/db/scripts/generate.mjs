// Runs `prisma generate` on install. Prisma's CLI insists on downloading its Rust schema engine even though
// generate never runs it; where that engine is absent (no network to fetch it), point the CLI at a harmless
// existing file so generate works, and leave a machine that has the real engine alone.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
const enginesDir = join(root, "node_modules/@prisma/engines");
const hasEngine = existsSync(enginesDir) && readdirSync(enginesDir).some((f) => f.startsWith("schema-engine"));
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !hasEngine) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const bin = join(root, "node_modules/.bin/prisma");
const result = spawnSync(bin, ["generate", "--schema", join(root, "prisma/schema.prisma")], { cwd: root, env, stdio: "inherit" });
process.exit(result.status ?? 1);
