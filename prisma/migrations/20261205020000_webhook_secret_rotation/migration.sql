-- Webhook secret rotation (POST /v1/webhooks/{id}/rotate-secret): the secret a rotation replaced
-- keeps signing, next to the new one, until `previous_secret_expires_at` (Standard Webhooks'
-- multiple signatures: `webhook-signature: v1,<new> v1,<previous>`), so receivers can switch
-- without missing or refusing a delivery. Both columns are set together or not at all.

ALTER TABLE "webhook_endpoints"
  ADD COLUMN "previous_secret" TEXT,
  ADD COLUMN "previous_secret_expires_at" TIMESTAMPTZ(3),
  ADD CONSTRAINT "webhook_endpoints_previous_secret_check"
    CHECK (("previous_secret" IS NULL) = ("previous_secret_expires_at" IS NULL));
