-- One mailbox, one identity: normaliseEmail now puts an email's domain through the normalisation
-- of a `domain` field (UTS #46: fullwidth forms, full-stop variants, IDN to punycode, trailing
-- dot). The forms stored under the old rule (contacts.email_normalized, the identity keys of
-- unfinished requests, idempotency payload hashes) are recomputed by a data migration in
-- TypeScript that calls the same domain functions
-- (packages/db/src/migrations/renormalise-contact-emails.data-migration.ts): Postgres has NFKC
-- but no IDNA mapping or punycode, and a second implementation in plpgsql could disagree with the
-- one the API uses. This file creates the bookkeeping and report tables and queues the data
-- migration; the runner runs it once, right after this file (see docs/operations.md).

-- Data migrations written in TypeScript: queued by the SQL migration of the same name, run once.
CREATE TABLE "data_migrations" (
    "name" TEXT NOT NULL,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "report" JSONB,
    "logs" TEXT,

    CONSTRAINT "data_migrations_pkey" PRIMARY KEY ("name")
);

-- Contacts whose email_normalized was left as it was, for an operator to resolve.
CREATE TABLE "contact_email_conflicts" (
    "contact_id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "email_normalized" TEXT,
    "kept_contact_id" UUID,
    "detected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_email_conflicts_pkey" PRIMARY KEY ("contact_id")
);

CREATE INDEX "contact_email_conflicts_org_id_idx" ON "contact_email_conflicts"("org_id");

ALTER TABLE "contact_email_conflicts" ADD CONSTRAINT "contact_email_conflicts_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "contact_email_conflicts" ADD CONSTRAINT "contact_email_conflicts_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "contact_email_conflicts" ADD CONSTRAINT "contact_email_conflicts_kept_contact_id_fkey" FOREIGN KEY ("kept_contact_id") REFERENCES "contacts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

INSERT INTO "data_migrations" ("name") VALUES ('20261201020000_email_domain_normalisation');
