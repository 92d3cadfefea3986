import { join } from "node:path";
import { REPO_ROOT } from "@bulwark/stack/repo-root";
import { startStack } from "@bulwark/stack/start";

// `npm start`: the whole of Bulwark on this machine, on an embedded PostgreSQL unless DATABASE_URL is set.
const env = process.env;
const port = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${name} must be a port number, got ${env[name]}`);
    process.exit(2);
  }
  return value;
};

const options = {
  dataDir: env.BULWARK_DATA_DIR ?? join(REPO_ROOT, ".data"),
  databaseUrl: env.DATABASE_URL || undefined,
  databaseMigrationUrl: env.DATABASE_MIGRATION_URL || undefined,
  consolePort: port("CONSOLE_PORT", 3000),
  consoleHost: env.CONSOLE_HOST ?? "127.0.0.1",
  gatewayPort: port("GATEWAY_PORT", 8080),
  adminPort: port("GATEWAY_ADMIN_PORT", 9091),
  workers: env.GATEWAY_WORKERS ? Number(env.GATEWAY_WORKERS) : undefined,
  demo: env.BULWARK_DEMO !== "0",
  demoBasePort: port("DEMO_BASE_PORT", 4001),
  quiet: env.BULWARK_QUIET === "1",
  onStep: (m: string) => console.log(`- ${m}`),
};

try {
  const stack = await startStack(options);
  const lines = [
    "",
    "Bulwark is running",
    `  Console        ${stack.consoleUrl}`,
    `  Admin API      ${stack.consoleUrl}/api/v1`,
    `  Gateway        ${stack.gatewayUrl}`,
    `  Worker status  ${stack.adminUrl}/status`,
    `  Database       ${stack.embeddedDatabase ? `embedded PostgreSQL, data in ${join(options.dataDir, "postgres")}, passwords in ${join(options.dataDir, "secrets")}` : "DATABASE_URL"}`,
  ];
  if (stack.firstAdmin) {
    lines.push(
      "",
      "  First start: an admin account was made. Its password is shown this once; sign in and keep it safe",
      "  (or make your own account under Users and disable this one).",
      `    Sign in at   ${stack.consoleUrl}/sign-in`,
      `    Email        ${stack.firstAdmin.email}`,
      `    Password     ${stack.firstAdmin.password}`,
      "",
    );
  } else {
    lines.push(`  Sign-in        ${stack.consoleUrl}/sign-in with your account (the first admin's password was printed on the first start)`);
  }
  if (stack.demo) {
    lines.push(`  Demo platform  ${stack.demo.instances.map((i) => `${i.instance}:${i.port}`).join(" ")}${stack.seeded ? " (seeded as version 1)" : ""}`);
    lines.push("", "Try:", `  curl ${stack.gatewayUrl}/catalog/courses`, `  curl -X POST ${stack.gatewayUrl}/assessments/exams/cs101-final/submissions -d '{"answers":[1,2]}'`);
  }
  lines.push("", "Logs are in " + join(options.dataDir, "logs") + "; Ctrl-C stops everything.", "");
  console.log(lines.join("\n"));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("Stopping Bulwark...");
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  console.error(`Bulwark could not start: ${(error as Error).message}`);
  process.exit(1);
}
