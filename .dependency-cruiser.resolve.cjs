// Resolver aliases for dependency-cruiser, in webpack's `resolve` shape (the only way it takes an alias).
// The console's `@/` (apps/console/tsconfig.json `paths`) is the only path alias in the repo. Handing
// dependency-cruiser that tsconfig instead makes it resolve `@/` from the repo root (it needs a `baseUrl`).
const path = require("node:path");

module.exports = { resolve: { alias: { "@": path.join(__dirname, "apps/console/src") } } };
