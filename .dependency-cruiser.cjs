// Dependency rules for the monorepo, checked by `npm run lint:cycles`.
// Every cycle fails, type-only imports included: `tsPreCompilationDeps: true` makes dependency-cruiser read
// the TypeScript source before type imports are erased, so `import type` edges count as edges.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle (even through `import type`) means two modules cannot be understood, tested or moved apart. Extract the shared part.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that does not resolve is a typo or a missing dependency.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-non-package-json",
      severity: "error",
      comment: "Depend only on packages declared in a package.json (this workspace's or the root's).",
      from: {},
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["(^|/)node_modules/", "(^|/)\\.next/", "(^|/)dist/", "^packages/db/src/generated/", "^apps/console/e2e/artifacts/"] },
    tsPreCompilationDeps: true,
    // The console's `@/` alias comes from this file; the packages import each other through their package.json
    // `exports`, which the resolver follows (through node_modules' workspace links) into packages/*/src.
    webpackConfig: { fileName: ".dependency-cruiser.resolve.cjs" },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".d.ts", ".js", ".mjs", ".cjs", ".json"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
