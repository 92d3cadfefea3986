import { z } from "zod";

/** Input schemas of the console's own access control: users and API tokens (admin API and forms). */
export const ROLE_VALUES = ["viewer", "operator", "admin"] as const;
const RoleSchema = z.enum(ROLE_VALUES, { error: "must be admin, operator or viewer" });

const EmailSchema = z
  .string({ error: "must be an email address" })
  .trim()
  .toLowerCase()
  .max(254, "must be 254 characters or less")
  .regex(/^[^\s@]+@[^\s@]+$/, "must be an email address");

/** NIST SP 800-63B: at least 8 characters for a chosen password, long ones allowed, no composition rules. */
const PasswordSchema = z.string({ error: "must be a string" }).min(12, "must be at least 12 characters").max(256, "must be 256 characters or less");

export const UserCreateSchema = z.object({
  email: EmailSchema,
  name: z.string().trim().max(100, "must be 100 characters or less").default(""),
  role: RoleSchema,
  /** Omitted: a random one is made and answered once. */
  password: PasswordSchema.optional(),
});
export type UserCreate = z.infer<typeof UserCreateSchema>;

export const UserUpdateSchema = z.object({
  name: z.string().trim().max(100, "must be 100 characters or less").optional(),
  role: RoleSchema.optional(),
  password: PasswordSchema.optional(),
  disabled: z.boolean({ error: "must be true or false" }).optional(),
});
export type UserUpdate = z.infer<typeof UserUpdateSchema>;

export const TOKEN_EXPIRY_DAYS = [1, 7, 30, 90, 365] as const;

export const TokenCreateSchema = z.object({
  name: z.string({ error: "must be a string" }).trim().min(1, "is required").max(100, "must be 100 characters or less"),
  role: RoleSchema,
  /** Every token expires; a year at most. */
  expiresInDays: z.number({ error: "must be a number of days" }).int("must be whole days").min(1, "must be at least 1").max(365, "must be 365 or less").default(90),
});
export type TokenCreate = z.infer<typeof TokenCreateSchema>;

export const SignInSchema = z.object({
  email: z.string({ error: "is required" }).trim().toLowerCase().min(1, "is required").max(254, "must be 254 characters or less"),
  password: z.string({ error: "is required" }).min(1, "is required").max(256, "must be 256 characters or less"),
});

/** GET /api/v1/audit filters. */
export const AuditQuerySchema = z.object({
  actor: z.string().max(254).optional(),
  action: z.string().max(100).optional(),
  target: z.string().max(254).optional(),
  since: z.coerce.date({ error: "must be a date" }).optional(),
  until: z.coerce.date({ error: "must be a date" }).optional(),
  before: z
    .string()
    .regex(/^\d{1,18}$/, "must be an entry id")
    .transform((v) => BigInt(v))
    .optional(),
  limit: z.coerce.number({ error: "must be a number" }).int().min(1).max(500).default(100),
});
