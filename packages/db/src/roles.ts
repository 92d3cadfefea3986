import { ROLE_VALUES } from "@bulwark/config/console-access";

/** Console roles, weakest first: viewer reads, operator also edits and publishes config, admin also manages users and tokens. */
export const ROLES = ROLE_VALUES;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === "string" && (ROLES as readonly string[]).includes(value);

/** True when `role` may do what `needed` may. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
