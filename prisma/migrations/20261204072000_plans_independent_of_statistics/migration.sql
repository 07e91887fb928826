-- The worker's per-item statements, written so that their plans do not depend on the planner's
-- statistics (issue 12: a 100,000-contact import cost Postgres 7.7 ms per contact against 3.9 for
-- a single create, and more the longer it ran).
--
-- The intake log, the ordering index (intake_request_keys) and the partial indexes of unfinished
-- rows are queues: what is in flight is a small, changing part of them, and every status update is
-- a new row version in every index (status is in partial-index predicates, so no update is HOT).
-- Statistics taken while nothing was in flight (ANALYZE after a warm-up, or autovacuum at a quiet
-- moment) say those indexes are empty. The planner then preferred them to the primary key for
-- lookups by id (intake_requests_unfinished_idx for the claim's UPDATE, _enrichment_due_idx for
-- apply_enrichment's lock), answered the ordering checks with whole scans of
-- intake_request_keys_pkey (the keys as a filter rather than an index condition) and probed a
-- batch's unfinished items through the log-wide intake_requests_unfinished_idx. Each of these
-- reads every entry of its index, in flight or dead; without vacuum (autovacuum is off on this
-- machine) dead entries are never removed, so the cost grew with everything imported so far, and
-- with vacuum it still grows with the backlog. Measured at 100,000 contacts (EXPLAIN ANALYZE,
-- generic plans): the claim read 3,700 buffers, the ordering check 1,459, the batch probe 283.
--
-- Here each statement has one sensible plan whatever the statistics say:
--   * rows found by primary key are looked up by `id` alone, and their state checked in plpgsql
--     under the row lock (a state condition in the WHERE lets a partial index of that state
--     compete with the primary key);
--   * the ordering checks probe intake_request_keys once per key, with equality on (org_id, key),
--     so each probe is one descent of its primary key;
--   * a batch's unfinished items are found through an index whose predicate only that probe
--     implies (finished_at IS NULL), the status being checked row by row;
--   * a batch's counts are read through its index (the whole log otherwise: statistics without
--     this batch's id take a batch for a third of the log).

-- Is there an earlier request, not yet written, on one of these keys? One index probe per key
-- (domain: keys lock but never order, and the index has none of them).
CREATE OR REPLACE FUNCTION has_earlier_unwritten_request(p_org_id uuid, p_keys text[], p_seq bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  k text;
BEGIN
  FOREACH k IN ARRAY coalesce(p_keys, '{}') LOOP
    CONTINUE WHEN k LIKE 'domain:%';
    IF EXISTS (SELECT 1 FROM intake_request_keys WHERE org_id = p_org_id AND key = k AND seq < p_seq) THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END;
$$;

-- Claims a request for a run: `claimed` (running, one more attempt), `wait` (an earlier unwritten
-- request shares one of its ordering keys; it stays queued and this is no attempt) or `finished`
-- (written or failed before). Returns the row as JSON; nothing when there is no such request.
-- An unwritten request's ordering keys are its identity keys (see sync_intake_request_keys).
CREATE OR REPLACE FUNCTION claim_intake_request(p_id uuid, p_check_order boolean)
RETURNS TABLE (claim text, request jsonb)
LANGUAGE plpgsql
AS $$
DECLARE
  r intake_requests%ROWTYPE;
  v_status job_status;
BEGIN
  SELECT * INTO r FROM intake_requests WHERE id = p_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF r.written_at IS NOT NULL OR r.status NOT IN ('queued', 'running') THEN
    RETURN QUERY SELECT 'finished'::text, to_jsonb(r);
    RETURN;
  END IF;
  IF p_check_order AND has_earlier_unwritten_request(r.org_id, r.identity_keys, r.seq) THEN
    IF r.status = 'running' THEN
      SELECT status INTO v_status FROM intake_requests WHERE id = p_id FOR UPDATE;
      IF v_status = 'running' THEN
        UPDATE intake_requests SET status = 'queued', stage = NULL WHERE id = p_id;
      END IF;
    END IF;
    RETURN QUERY SELECT 'wait'::text, to_jsonb(r);
    RETURN;
  END IF;
  -- Locked, then checked again: another run may have finished it since the read above.
  SELECT * INTO r FROM intake_requests WHERE id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF r.written_at IS NOT NULL OR r.status NOT IN ('queued', 'running') THEN
    RETURN QUERY SELECT 'finished'::text, to_jsonb(r);
    RETURN;
  END IF;
  UPDATE intake_requests
  SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()),
      stage = 'matching'::job_stage
  WHERE id = p_id
  RETURNING * INTO r;
  RETURN QUERY SELECT 'claimed'::text, to_jsonb(r);
END;
$$;

-- The common head of every write statement (the ordered write), as before: transaction-scoped
-- advisory locks on every identity key (sorted by the caller, so two writers never deadlock), the
-- intake row's lock, and then `finished`, `superseded`, `wait` (back to queued, no attempt) or
-- `locked`. The row is locked when its state is read, so the move back to queued is by id alone.
CREATE OR REPLACE FUNCTION begin_ordered_write(
  p_request_id uuid,
  p_org_id uuid,
  p_seq bigint,
  p_attempt integer,
  p_keys text[],
  p_lock_keys boolean,
  p_check_order boolean
) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  k text;
  r record;
BEGIN
  IF p_lock_keys THEN
    FOREACH k IN ARRAY p_keys LOOP
      PERFORM pg_advisory_xact_lock(hashtextextended(p_org_id::text || ':' || k, 0));
    END LOOP;
  END IF;
  SELECT written_at, status, attempts INTO r FROM intake_requests WHERE id = p_request_id FOR UPDATE;
  IF NOT FOUND OR r.written_at IS NOT NULL OR r.status NOT IN ('queued', 'running') THEN
    RETURN 'finished';
  END IF;
  IF r.attempts > p_attempt THEN
    RETURN 'superseded';
  END IF;
  IF p_check_order AND has_earlier_unwritten_request(p_org_id, p_keys, p_seq) THEN
    IF r.status = 'running' THEN
      UPDATE intake_requests SET status = 'queued', stage = NULL, attempts = GREATEST(attempts - 1, 0)
      WHERE id = p_request_id;
    END IF;
    RETURN 'wait';
  END IF;
  RETURN 'locked';
END;
$$;

-- The enrichment merge, as before; the intake row is locked by id and its debt checked after.
CREATE OR REPLACE FUNCTION apply_enrichment(
  p_request_id uuid,
  p_contact jsonb,
  p_account jsonb,
  p_result jsonb,
  p_now timestamptz
) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  v_version text;
  v_due timestamptz;
BEGIN
  SELECT enrichment_due_at INTO v_due FROM intake_requests WHERE id = p_request_id FOR UPDATE;
  IF v_due IS NULL THEN
    RETURN 'done';
  END IF;
  IF p_contact IS NOT NULL THEN
    SELECT xmin::text INTO v_version FROM contacts WHERE id = (p_contact->>'id')::uuid FOR UPDATE;
    IF FOUND AND v_version IS DISTINCT FROM p_contact->>'version' THEN
      RETURN 'stale';
    END IF;
  END IF;
  IF p_account IS NOT NULL THEN
    SELECT xmin::text INTO v_version FROM accounts WHERE id = (p_account->>'id')::uuid FOR UPDATE;
    IF FOUND AND v_version IS DISTINCT FROM p_account->>'version' THEN
      RETURN 'stale';
    END IF;
  END IF;
  IF p_contact IS NOT NULL THEN
    UPDATE contacts c
    SET first_name = r.first_name, last_name = r.last_name, title = r.title,
        phone_number = r.phone_number, location = r.location, field_provenance = r.field_provenance,
        enrichment_status = r.enrichment_status, enrichment_provider = r.enrichment_provider,
        enrichment_error = r.enrichment_error, enriched_fields = coalesce(r.enriched_fields, '{}'),
        enriched_at = p_now, updated_at = p_now
    FROM jsonb_populate_record(NULL::contacts, p_contact) r
    WHERE c.id = r.id;
  END IF;
  IF p_account IS NOT NULL THEN
    UPDATE accounts a
    SET name = r.name, description = r.description, industries = coalesce(r.industries, '{}'),
        employee_count = r.employee_count, founded_year = r.founded_year, linkedin_url = r.linkedin_url,
        field_provenance = r.field_provenance, enrichment_status = r.enrichment_status,
        enrichment_provider = r.enrichment_provider, enrichment_error = r.enrichment_error,
        enriched_at = p_now, updated_at = p_now
    FROM jsonb_populate_record(NULL::accounts, p_account) r
    WHERE a.id = r.id;
  END IF;
  UPDATE intake_requests SET result = p_result, enrichment_due_at = NULL, enriched_at = p_now
  WHERE id = p_request_id;
  RETURN 'applied';
END;
$$;

-- A batch's items without finished_at: every unfinished item is among them (finished_at is set
-- only with a final status, by finish_intake_write and fail_intake_request). Replaces the index of
-- the batch's items with an unfinished status, whose predicate the log-wide
-- intake_requests_unfinished_idx shares: the planner took that one for the probe.
DROP INDEX "intake_requests_batch_unfinished_idx";
CREATE INDEX "intake_requests_batch_unfinished_idx" ON "intake_requests"("batch_id")
  WHERE "batch_id" IS NOT NULL AND "finished_at" IS NULL;

-- After an item's write (its intake row is final): was it the batch's last unfinished item? Sets
-- `finished_at` and returns true exactly once per batch, to whichever caller sees the last item
-- finished first (the row lock on the batch settles a tie); false otherwise, and on every later
-- call. Runs after the item's own write has committed, so the last writer always sees every item
-- finished. An item is unfinished by its status; the index only finds the candidates, and the
-- first live one is, in practice, unfinished. The batch row is locked only once no item is left.
CREATE OR REPLACE FUNCTION finish_batch_if_done(p_batch_id uuid)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
  v_status job_status;
  v_finished_at timestamptz;
BEGIN
  FOR v_status IN
    SELECT r.status FROM intake_requests r WHERE r.batch_id = p_batch_id AND r.finished_at IS NULL
  LOOP
    IF v_status IN ('queued', 'running') THEN
      RETURN false;
    END IF;
  END LOOP;
  SELECT finished_at INTO v_finished_at FROM batches WHERE id = p_batch_id FOR UPDATE;
  IF NOT FOUND OR v_finished_at IS NOT NULL THEN
    RETURN false;
  END IF;
  UPDATE batches SET finished_at = now() WHERE id = p_batch_id;
  RETURN true;
END;
$$;

-- A batch's items counted by status (GET /v1/batches/:id, the batch.finished event), read through
-- the batch's index whatever the statistics say.
CREATE FUNCTION batch_item_counts(p_batch_id uuid)
RETURNS TABLE (queued integer, running integer, succeeded integer, failed integer, created integer,
               updated integer, last_finished_at timestamptz)
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
AS $$
BEGIN
  RETURN QUERY
    SELECT
      count(*) FILTER (WHERE r.status = 'queued')::int,
      count(*) FILTER (WHERE r.status = 'running')::int,
      count(*) FILTER (WHERE r.status = 'succeeded')::int,
      count(*) FILTER (WHERE r.status = 'failed')::int,
      count(*) FILTER (WHERE r.status = 'succeeded' AND r.result->>'action' = 'created')::int,
      count(*) FILTER (WHERE r.status = 'succeeded' AND r.result->>'action' = 'updated')::int,
      max(r.finished_at)::timestamptz
    FROM intake_requests r WHERE r.batch_id = p_batch_id;
END;
$$;

-- batch.finished, as before, with the counts from batch_item_counts.
CREATE OR REPLACE FUNCTION emit_batch_finished_event() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  c record;
  v_rejected integer := jsonb_array_length(NEW.rejected);
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.finished_at IS NOT NULL THEN
    RETURN NULL;
  END IF;
  SELECT * INTO c FROM batch_item_counts(NEW.id);
  PERFORM emit_webhook_event(NEW.org_id, 'batch.finished', jsonb_build_object(
    'id', NEW.id,
    'operation', NEW.operation,
    'status', CASE WHEN c.failed + v_rejected = 0 THEN 'succeeded'
                   WHEN c.succeeded = 0 THEN 'failed'
                   ELSE 'partially_failed' END,
    'counts', jsonb_build_object('queued', 0, 'running', 0, 'succeeded', c.succeeded,
                                 'failed', c.failed, 'created', c.created, 'updated', c.updated,
                                 'rejected', v_rejected, 'items', NEW.item_count,
                                 'accepted', NEW.accepted_count),
    'created_at', webhook_iso_time(NEW.created_at),
    'finished_at', webhook_iso_time(NEW.finished_at),
    'links', jsonb_build_object('self', '/v1/batches/' || NEW.id, 'items', '/v1/batches/' || NEW.id || '/items')
  ), NEW.finished_at);
  RETURN NULL;
END;
$$;
