// Compiles the gateway into one ES module (dist/main.js) so its processes run plain JavaScript: no TypeScript
// loader in every worker (tsx costs each process about 30 MiB and its start-up transform). The workspace's own
// packages are bundled in; every npm dependency stays an import, resolved from node_modules as usual.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: [join(root, "src/main.ts")],
  outfile: join(root, "dist/main.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    {
      name: "npm-dependencies-external",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@bulwark/") ? undefined : { path: args.path, external: true }));
      },
    },
  ],
});
