// ESLint flat config for the whole monorepo. CommonJS because the root package.json has no "type": "module"
// (so this file loads without Node's module-type detection warning on Node 20 and 24 alike).
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const react = require("eslint-plugin-react");
const reactHooks = require("eslint-plugin-react-hooks");
const nextPlugin = require("@next/eslint-plugin-next");
const globals = require("globals");

module.exports = tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/.next/**",
      "**/.turbo/**",
      "**/dist/**",
      "**/.data/**",
      "packages/db/src/generated/**",
      "apps/console/next-env.d.ts",
      "apps/console/e2e/artifacts/**",
      "**/test-results/**",
      "**/playwright-report/**",
    ],
  },

  js.configs.recommended,
  ...tseslint.configs.recommended,

  {
    files: ["**/*.{ts,tsx,js,mjs,cjs}"],
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // Unused names are dead code, but a leading underscore is the convention for "required by the signature".
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      // `import type` keeps type-only edges visible to readers and to the cycle check.
      "@typescript-eslint/consistent-type-imports": ["error", { prefer: "type-imports", fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-console": "off",
    },
  },

  // CommonJS config files (this one, dependency-cruiser's) use require/module.exports by design.
  {
    files: ["**/*.cjs", "eslint.config.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },

  // Tests: non-null assertions on fixtures the test itself set up are the clearest way to say "this exists".
  {
    files: ["**/*.test.ts", "**/test/**/*.ts", "**/e2e/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },

  // Playwright fixtures: `use` is Playwright's fixture callback (not React's), and Playwright requires the
  // first fixture argument to be a destructuring pattern even when it is empty (`async ({}, use) => ...`).
  {
    files: ["apps/console/e2e/**/*.ts"],
    rules: { "no-empty-pattern": "off" },
  },

  // The console's app code: React, hooks and Next's own rules (not its e2e/ or test/ Node code).
  {
    files: ["apps/console/src/**/*.{ts,tsx}"],
    plugins: { react, "react-hooks": reactHooks, "@next/next": nextPlugin },
    languageOptions: { globals: { ...globals.browser, ...globals.node }, parserOptions: { ecmaFeatures: { jsx: true } } },
    settings: { react: { version: "19.3" }, next: { rootDir: "apps/console" } },
    rules: {
      ...react.configs.flat.recommended.rules,
      ...react.configs.flat["jsx-runtime"].rules,
      ...reactHooks.configs.recommended.rules,
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
      // Props are typed by TypeScript; prop-types would duplicate them at runtime.
      "react/prop-types": "off",
    },
  },
);
