import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root: the stack runs the gateway's and the console's sources from their places in it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
