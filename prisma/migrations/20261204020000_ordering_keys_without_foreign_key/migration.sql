-- Acceptance of a 1,000-item batch spent a fifth of its statement checking the foreign key from
-- each new ordering-index row to its request (2,000 checks, each locking the request row it had
-- just inserted). The index's rows now go with their request by a statement-level trigger
-- instead: the same rows deleted as ON DELETE CASCADE deleted them (a purge, an organisation's
-- deletion), one set-based delete per statement. Rows are only ever inserted by the triggers and
-- statements on intake_requests, for the request just inserted or updated, so none can point at
-- a request that does not exist.
ALTER TABLE "intake_request_keys" DROP CONSTRAINT "intake_request_keys_request_id_fkey";

CREATE FUNCTION delete_keys_of_deleted_intake_requests() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM intake_request_keys k USING deleted_requests d WHERE k.request_id = d.id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "intake_request_keys_on_delete" AFTER DELETE ON "intake_requests"
  REFERENCING OLD TABLE AS deleted_requests
  FOR EACH STATEMENT EXECUTE FUNCTION delete_keys_of_deleted_intake_requests();

CREATE OR REPLACE FUNCTION accept_intake_batch(p_batch jsonb, p_items jsonb, p_idempotency_window interval)
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
  -- items), which cost more than the rest of the statement together. A plain insert: the rows
  -- are new (their `seq` is), so no key can conflict.
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
  WHERE k NOT LIKE 'domain:%';
END;
$$;
