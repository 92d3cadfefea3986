-- A token acts for the user who made it: at most that user's current role, and no longer once the user is
-- disabled or deleted. Tokens made from the machine (the system actor) have no user.
ALTER TABLE "api_tokens" ADD COLUMN "created_by_kind" TEXT NOT NULL DEFAULT 'user';
ALTER TABLE "api_tokens" ADD COLUMN "created_by_user_id" UUID;
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_kind_check" CHECK ("created_by_kind" IN ('user', 'system'));
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "api_tokens_created_by_user_id_idx" ON "api_tokens"("created_by_user_id");

-- Existing tokens: bound to the user whose email made them; the system's stay system tokens. A token whose maker
-- cannot be told (made by another token) is revoked rather than left acting for nobody.
UPDATE "api_tokens" SET "created_by_kind" = 'system' WHERE "created_by" = 'bulwark';
UPDATE "api_tokens" t SET "created_by_user_id" = u."id" FROM "users" u WHERE t."created_by_kind" = 'user' AND u."email" = t."created_by";
UPDATE "api_tokens" SET "revoked_at" = CURRENT_TIMESTAMP WHERE "created_by_kind" = 'user' AND "created_by_user_id" IS NULL AND "revoked_at" IS NULL;
