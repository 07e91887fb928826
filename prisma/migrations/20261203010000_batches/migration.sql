-- Batches (POST /v1/contacts/batch, POST /v1/accounts/batch): one row per accepted batch, and
-- each accepted item an ordinary intake row pointing at it (`batch_id`, `batch_index`), so an
-- item is a job like any other (GET /v1/jobs/:id, the dispatcher, the ordering rule). A batch's
-- counts are read from its items; nothing is counted on the batch row, so concurrent writes of
-- one batch's items never contend for it.
CREATE TABLE "batches" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    -- The items' intake operation: contact.upsert or account.upsert.
    "operation" TEXT NOT NULL,
    "idempotency_key" TEXT,
    -- Hex SHA-256 of the canonical JSON of the items as sent: a replay must send the same items.
    "payload_hash" TEXT NOT NULL,
    -- Items as sent, accepted (intake rows) and rejected (listed here, never recorded as jobs).
    "item_count" INTEGER NOT NULL,
    "accepted_count" INTEGER NOT NULL,
    -- [{ "index": n, "error": { "code", "message", "details" } }], in index order.
    "rejected" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- Set once, by the worker that finishes the last item (finish_batch_if_done), or at
    -- acceptance when no item was accepted.
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "batches_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "batches_org_id_idempotency_key_key" ON "batches"("org_id", "idempotency_key");
ALTER TABLE "batches" ADD CONSTRAINT "batches_org_id_fkey"
  FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- No foreign key on batch_id: it would be checked once per item (1,000 lookups per batch, a tenth of
-- the acceptance statement), and a batch and its items are written by accept_intake_batch alone.
-- Both go with their organisation (ON DELETE CASCADE on org_id).
ALTER TABLE "intake_requests" ADD COLUMN "batch_id" UUID;
ALTER TABLE "intake_requests" ADD COLUMN "batch_index" INTEGER;
-- A batch's items in index order (GET /v1/batches/:id/items, the counts).
CREATE INDEX "intake_requests_batch_id_batch_index_idx" ON "intake_requests"("batch_id", "batch_index");
-- A batch's unfinished items: the "was that the last one?" check after every item's write is
-- one probe of this (partial, so it holds only rows still to do).
CREATE INDEX "intake_requests_batch_unfinished_idx" ON "intake_requests"("batch_id")
  WHERE "batch_id" IS NOT NULL AND "status" IN ('queued', 'running');

-- Accepts a batch in one statement: the batch row and every accepted item's intake row commit
-- together, or nothing does. Under the org's intake advisory lock (the same key as
-- accept_intake_requests), so commit order equals `seq` order within the org, and the items get
-- consecutive `seq`s in item order: items for the same person apply in item order.
--
-- p_batch: {"id", "org_id", "operation", "idempotency_key": text | null, "payload_hash",
--           "item_count", "rejected": [...]}
-- p_items: [{"id", "index", "payload", "payload_hash", "identity_keys": [text]}] in item order.
-- Returns one row: 'accepted' (the new batch), or 'replayed' / 'idempotency_key_reused' (the
-- batch that has this key within the idempotency window).
CREATE FUNCTION accept_intake_batch(p_batch jsonb, p_items jsonb, p_idempotency_window interval)
RETURNS TABLE (
  outcome text,
  id uuid,
  operation text,
  item_count integer,
  accepted_count integer,
  rejected jsonb,
  created_at timestamptz,
  finished_at timestamptz
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  b_org uuid := (p_batch->>'org_id')::uuid;
  b_key text := p_batch->>'idempotency_key';
  previous batches%ROWTYPE;
  accepted integer := jsonb_array_length(p_items);
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('intake:' || b_org::text, 0));
  IF b_key IS NOT NULL THEN
    SELECT * INTO previous FROM batches AS b WHERE b.org_id = b_org AND b.idempotency_key = b_key;
    IF FOUND THEN
      IF previous.created_at > now() - p_idempotency_window THEN
        RETURN QUERY SELECT
          CASE WHEN previous.payload_hash = p_batch->>'payload_hash' THEN 'replayed' ELSE 'idempotency_key_reused' END,
          previous.id, previous.operation, previous.item_count, previous.accepted_count, previous.rejected,
          previous.created_at::timestamptz, previous.finished_at::timestamptz;
        RETURN;
      END IF;
      UPDATE batches AS b SET idempotency_key = NULL WHERE b.id = previous.id;
    END IF;
  END IF;

  RETURN QUERY
  INSERT INTO batches AS b (id, org_id, operation, idempotency_key, payload_hash, item_count, accepted_count, rejected, finished_at)
  VALUES (
    (p_batch->>'id')::uuid, b_org, p_batch->>'operation', b_key, p_batch->>'payload_hash',
    (p_batch->>'item_count')::integer, accepted, p_batch->'rejected',
    CASE WHEN accepted = 0 THEN now() END
  )
  RETURNING 'accepted'::text, b.id, b.operation, b.item_count, b.accepted_count, b.rejected,
    b.created_at::timestamptz, b.finished_at::timestamptz;

  -- One multi-row insert; rows are produced (and take `seq`) in item order. Their ordering keys
  -- are indexed here in one insert too, rather than by the per-row trigger (which skips batch
  -- items: see below), which cost more than the rest of the statement together.
  WITH inserted AS (
    INSERT INTO intake_requests AS r (id, org_id, operation, payload, payload_hash, identity_keys, batch_id, batch_index)
    SELECT
      (e.value->>'id')::uuid,
      b_org,
      p_batch->>'operation',
      e.value->'payload',
      e.value->>'payload_hash',
      ARRAY(SELECT k.value FROM jsonb_array_elements_text(e.value->'identity_keys') WITH ORDINALITY AS k ORDER BY k.ordinality),
      (p_batch->>'id')::uuid,
      (e.value->>'index')::integer
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS e
    ORDER BY e.ordinality
    RETURNING r.id, r.org_id, r.seq, r.identity_keys
  )
  INSERT INTO intake_request_keys (org_id, key, seq, request_id)
  SELECT i.org_id, k, i.seq, i.id FROM inserted i, unnest(i.identity_keys) AS k
  WHERE k NOT LIKE 'domain:%'
  ON CONFLICT DO NOTHING;
END;
$$;

-- A new request's ordering keys are indexed by this trigger, except a batch item's, which
-- accept_intake_batch indexes for the whole batch at once (same rows, same rule).
DROP TRIGGER "intake_request_keys_on_insert" ON "intake_requests";
CREATE TRIGGER "intake_request_keys_on_insert" AFTER INSERT ON "intake_requests"
  FOR EACH ROW WHEN (NEW.batch_id IS NULL) EXECUTE FUNCTION sync_intake_request_keys();

-- After an item's write (its intake row is final): was it the batch's last unfinished item? Sets
-- `finished_at` and returns true exactly once per batch, to whichever caller sees the last item
-- finished first (the row lock on the batch settles a tie); false otherwise, and on every later
-- call. Runs after the item's own write has committed, so the last writer always sees every
-- item finished.
CREATE FUNCTION finish_batch_if_done(p_batch_id uuid)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE batches SET finished_at = now()
  WHERE id = p_batch_id AND finished_at IS NULL
    AND NOT EXISTS (
      SELECT 1 FROM intake_requests r
      WHERE r.batch_id = p_batch_id AND r.status IN ('queued', 'running')
    );
  RETURN FOUND;
END;
$$;

-- Items a minute of an organisation may send in batches; NULL means the deployment's default
-- (the API's RATE_LIMIT_ITEMS_PER_MINUTE, 100,000 unless configured).
ALTER TABLE "organizations" ADD COLUMN "items_rate_limit_per_minute" INTEGER;
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_items_rate_limit_per_minute_check"
    CHECK ("items_rate_limit_per_minute" BETWEEN 1 AND 10000000);
