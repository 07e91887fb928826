-- Monaco's account `status` and `notes`, written by PUT /v1/accounts (enrichment never fills them).
ALTER TABLE "accounts" ADD COLUMN "status" TEXT;
ALTER TABLE "accounts" ADD COLUMN "notes" TEXT;
