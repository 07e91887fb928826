-- CreateEnum
CREATE TYPE "enrichment_status" AS ENUM ('none', 'pending', 'applied', 'failed', 'skipped');

-- CreateEnum
CREATE TYPE "job_status" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "job_stage" AS ENUM ('matching', 'resolving_account', 'writing', 'enriching');

-- CreateTable
CREATE TABLE "organizations" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "domain" TEXT,
    "name" TEXT,
    "description" TEXT,
    "industries" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "employee_count" INTEGER,
    "founded_year" INTEGER,
    "linkedin_url" TEXT,
    "field_provenance" JSONB NOT NULL DEFAULT '{}',
    "enrichment_status" "enrichment_status" NOT NULL DEFAULT 'none',
    "enrichment_provider" TEXT,
    "enrichment_error" TEXT,
    "enriched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contacts" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "email" TEXT,
    "email_normalized" TEXT,
    "linkedin_url" TEXT,
    "linkedin_canonical" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "title" TEXT,
    "phone_number" TEXT,
    "location" TEXT,
    "do_not_contact" BOOLEAN NOT NULL DEFAULT false,
    "source" TEXT,
    "account_id" UUID,
    "custom_fields" JSONB NOT NULL DEFAULT '{}',
    "field_provenance" JSONB NOT NULL DEFAULT '{}',
    "created_seq" BIGINT,
    "enrichment_status" "enrichment_status" NOT NULL DEFAULT 'none',
    "enrichment_provider" TEXT,
    "enrichment_error" TEXT,
    "enriched_fields" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "enriched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tags" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "object_type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "name_normalized" TEXT NOT NULL,
    "color" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contact_tags" (
    "contact_id" UUID NOT NULL,
    "tag_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_tags_pkey" PRIMARY KEY ("contact_id","tag_id")
);

-- CreateTable
CREATE TABLE "custom_fields" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "entity" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "options" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "custom_fields_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "intake_requests" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "operation" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "identity_keys" TEXT[],
    "idempotency_key" TEXT,
    "payload_hash" TEXT NOT NULL,
    "status" "job_status" NOT NULL DEFAULT 'queued',
    "stage" "job_stage",
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "result" JSONB,
    "error" JSONB,
    "contact_id" UUID,
    "written_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "intake_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys"("secret_hash");

-- CreateIndex
CREATE INDEX "api_keys_org_id_idx" ON "api_keys"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_org_id_domain_key" ON "accounts"("org_id", "domain");

-- CreateIndex
CREATE INDEX "contacts_account_id_idx" ON "contacts"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "contacts_org_id_email_normalized_key" ON "contacts"("org_id", "email_normalized");

-- CreateIndex
CREATE UNIQUE INDEX "contacts_org_id_linkedin_canonical_key" ON "contacts"("org_id", "linkedin_canonical");

-- CreateIndex
CREATE UNIQUE INDEX "tags_org_id_object_type_name_normalized_key" ON "tags"("org_id", "object_type", "name_normalized");

-- CreateIndex
CREATE INDEX "contact_tags_tag_id_idx" ON "contact_tags"("tag_id");

-- CreateIndex
CREATE UNIQUE INDEX "custom_fields_org_id_entity_name_key" ON "custom_fields"("org_id", "entity", "name");

-- CreateIndex
CREATE UNIQUE INDEX "intake_requests_seq_key" ON "intake_requests"("seq");

-- CreateIndex
CREATE INDEX "intake_requests_status_seq_idx" ON "intake_requests"("status", "seq");

-- CreateIndex
CREATE INDEX "intake_requests_org_id_seq_idx" ON "intake_requests"("org_id", "seq");

-- CreateIndex
CREATE INDEX "intake_requests_identity_keys_idx" ON "intake_requests" USING GIN ("identity_keys");

-- CreateIndex
CREATE INDEX "intake_requests_finished_at_idx" ON "intake_requests"("finished_at");

-- CreateIndex
CREATE UNIQUE INDEX "intake_requests_org_id_idempotency_key_key" ON "intake_requests"("org_id", "idempotency_key");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tags" ADD CONSTRAINT "tags_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contact_tags" ADD CONSTRAINT "contact_tags_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contact_tags" ADD CONSTRAINT "contact_tags_tag_id_fkey" FOREIGN KEY ("tag_id") REFERENCES "tags"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "custom_fields" ADD CONSTRAINT "custom_fields_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intake_requests" ADD CONSTRAINT "intake_requests_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Postgres-only extra (not expressible in schema.prisma, so `prisma migrate diff` will report it as
-- drift; keep it). The worker's wait rule asks "is there an earlier, unwritten, unfinished request
-- of this org?" on every job; this partial index holds only those few rows, so the check stays an
-- index probe however long the intake log grows.
CREATE INDEX "intake_requests_unwritten_idx" ON "intake_requests"("org_id", "seq") WHERE "written_at" IS NULL AND "status" IN ('queued', 'running');
