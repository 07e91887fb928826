-- Enrichment runs as a job of its own (queue "contact-enrichment"): a request is `succeeded` once
-- written, and `enrichment_due_at` marks the ones whose enrichment job has not finished yet (the
-- dispatcher re-creates those jobs from it when Redis lost them); `enriched_at` is when it did.
ALTER TABLE "intake_requests" ADD COLUMN "enrichment_due_at" TIMESTAMPTZ(3);
ALTER TABLE "intake_requests" ADD COLUMN "enriched_at" TIMESTAMPTZ(3);
CREATE INDEX "intake_requests_enrichment_due_at_idx" ON "intake_requests" ("enrichment_due_at");

-- Requests an older worker had written but not yet enriched: their enrichment becomes a job.
UPDATE "intake_requests"
SET "status" = 'succeeded', "stage" = NULL, "finished_at" = now(), "enrichment_due_at" = "written_at"
WHERE "status" = 'running' AND "written_at" IS NOT NULL;
