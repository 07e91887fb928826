-- Indexes for POST /v1/{contacts,accounts}/list (see README "Listing contacts and accounts").
-- Already indexed before this migration: contacts by (org_id, email_normalized), by account_id,
-- accounts by (org_id, domain), contact_tags by tag_id.

-- The default sort (-created_at) and created_at ranges: an org's newest rows are read from the
-- index end, in order, without sorting the org. created_at never changes, so a contact update
-- does not touch this index.
CREATE INDEX IF NOT EXISTS "contacts_org_id_created_at_id_idx" ON "contacts"("org_id", "created_at", "id");
CREATE INDEX IF NOT EXISTS "accounts_org_id_created_at_id_idx" ON "accounts"("org_id", "created_at", "id");

-- updated_at ranges and sorts. Cost, paid by the write path: every contact update changes
-- updated_at, so no update can be HOT (heap-only) any more; each writes new entries in every index
-- of the table. Measured in the README.
CREATE INDEX IF NOT EXISTS "contacts_org_id_updated_at_id_idx" ON "contacts"("org_id", "updated_at", "id");
CREATE INDEX IF NOT EXISTS "accounts_org_id_updated_at_id_idx" ON "accounts"("org_id", "updated_at", "id");
