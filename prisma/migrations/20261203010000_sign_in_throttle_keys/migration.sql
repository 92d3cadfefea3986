-- Sign-in throttling is kept per (account, address), per address and per account, not per email alone.
-- The old per-email counters are dropped: at worst an attacker gets a fresh window once, at upgrade.
DELETE FROM "sign_in_attempts";
ALTER TABLE "sign_in_attempts" RENAME COLUMN "email" TO "key";
ALTER TABLE "sign_in_attempts" ADD COLUMN "refused" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "sign_in_attempts" ADD COLUMN "refused_audited_at" TIMESTAMP(3);
