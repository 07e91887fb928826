-- Accepts one request in a single statement: per-org advisory lock (so commit order equals `seq`
-- order within an org), idempotency lookup, insert. As one statement it runs in one implicit
-- transaction, so the lock and a pooled connection are held for one round trip, not several.
-- Returns the outcome and the id of the row it is about (the new one, or the original).
CREATE FUNCTION accept_intake_request(
  p_id uuid,
  p_org_id uuid,
  p_operation text,
  p_payload jsonb,
  p_payload_hash text,
  p_identity_keys text[],
  p_idempotency_key text,
  p_idempotency_window interval
) RETURNS TABLE (outcome text, request_id uuid)
LANGUAGE plpgsql
AS $$
DECLARE
  previous intake_requests%ROWTYPE;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('intake:' || p_org_id::text, 0));
  IF p_idempotency_key IS NOT NULL THEN
    SELECT * INTO previous FROM intake_requests
    WHERE org_id = p_org_id AND idempotency_key = p_idempotency_key;
    IF FOUND THEN
      IF previous.created_at > now() - p_idempotency_window THEN
        RETURN QUERY SELECT
          CASE WHEN previous.payload_hash = p_payload_hash THEN 'replayed' ELSE 'idempotency_key_reused' END,
          previous.id;
        RETURN;
      END IF;
      -- Outside the window the key is free again; the old row keeps its history without it.
      UPDATE intake_requests SET idempotency_key = NULL WHERE id = previous.id;
    END IF;
  END IF;
  INSERT INTO intake_requests (id, org_id, operation, payload, payload_hash, identity_keys, idempotency_key)
  VALUES (p_id, p_org_id, p_operation, p_payload, p_payload_hash, p_identity_keys, p_idempotency_key);
  RETURN QUERY SELECT 'accepted'::text, p_id;
END;
$$;
