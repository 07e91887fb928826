-- Accepts a batch of requests (one or more) in a single statement and returns, per request, the
-- outcome and the columns the API answers with, so intake needs one round trip and no re-read.
-- The API coalesces concurrent requests into one call (group commit).
--
-- Element of p_requests: {"id", "org_id", "operation", "payload", "payload_hash",
-- "identity_keys": [text], "idempotency_key": text | null}.
-- Per element, in array order: 'accepted' (its new row), 'replayed' or 'idempotency_key_reused'
-- (the original row).
--
-- The per-org advisory locks (the same keys as accept_intake_request) are taken first, in sorted
-- order so concurrent batches cannot deadlock, and held to commit: commit order equals `seq`
-- order within an org. Elements run in order, so a later one sees an earlier one's row and the
-- idempotency check holds inside a batch too. accept_intake_request stays for API processes of
-- the previous release during a rolling deploy.
CREATE FUNCTION accept_intake_requests(p_requests jsonb, p_idempotency_window interval)
RETURNS TABLE (
  ord integer,
  outcome text,
  id uuid,
  org_id uuid,
  operation text,
  status job_status,
  created_at timestamptz
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  lock_org uuid;
  item jsonb;
  item_ord bigint;
  item_org uuid;
  item_key text;
  previous intake_requests%ROWTYPE;
BEGIN
  FOR lock_org IN
    SELECT DISTINCT (e.value->>'org_id')::uuid FROM jsonb_array_elements(p_requests) AS e ORDER BY 1
  LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended('intake:' || lock_org::text, 0));
  END LOOP;

  FOR item, item_ord IN
    SELECT e.value, e.ordinality FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS e ORDER BY e.ordinality
  LOOP
    item_org := (item->>'org_id')::uuid;
    item_key := item->>'idempotency_key';
    ord := item_ord;
    IF item_key IS NOT NULL THEN
      SELECT * INTO previous FROM intake_requests AS r WHERE r.org_id = item_org AND r.idempotency_key = item_key;
      IF FOUND THEN
        IF previous.created_at > now() - p_idempotency_window THEN
          outcome := CASE WHEN previous.payload_hash = item->>'payload_hash' THEN 'replayed' ELSE 'idempotency_key_reused' END;
          id := previous.id;
          org_id := previous.org_id;
          operation := previous.operation;
          status := previous.status;
          created_at := previous.created_at;
          RETURN NEXT;
          CONTINUE;
        END IF;
        -- Outside the window the key is free again; the old row keeps its history without it.
        UPDATE intake_requests AS r SET idempotency_key = NULL WHERE r.id = previous.id;
      END IF;
    END IF;
    INSERT INTO intake_requests AS r (id, org_id, operation, payload, payload_hash, identity_keys, idempotency_key)
    VALUES (
      (item->>'id')::uuid,
      item_org,
      item->>'operation',
      item->'payload',
      item->>'payload_hash',
      ARRAY(SELECT k.value FROM jsonb_array_elements_text(item->'identity_keys') WITH ORDINALITY AS k ORDER BY k.ordinality),
      item_key
    )
    RETURNING 'accepted', r.id, r.org_id, r.operation, r.status, r.created_at
    INTO outcome, id, org_id, operation, status, created_at;
    RETURN NEXT;
  END LOOP;
END;
$$;
