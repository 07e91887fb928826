-- Requests per minute an organisation may make (Monaco's rate limit is per organisation). NULL
-- means the deployment's default (the API's RATE_LIMIT_PER_MINUTE, 100 unless configured); set
-- it with `pnpm cli org:set-rate-limit`. Prisma's schema cannot express the CHECK; Prisma leaves
-- CHECK constraints it does not know alone.
ALTER TABLE "organizations" ADD COLUMN "rate_limit_per_minute" INTEGER;
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_rate_limit_per_minute_check"
    CHECK ("rate_limit_per_minute" BETWEEN 1 AND 100000);
