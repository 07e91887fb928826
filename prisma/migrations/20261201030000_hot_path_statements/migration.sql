-- The request path's statements (issue: the hot path at the machine's limit). Each step of a job
-- is one round trip: claim, identity locks, snapshot, write, enrichment load and merge. The
-- ordering rule is answered by index lookups on `intake_request_keys` instead of scans of the
-- intake log, so its cost does not grow with the backlog.

-- 1. The ordering index: one row per ordering key (every identity key but `domain:` ones, which
--    lock but do not order) of every request that is neither written nor finished. Kept by the
--    triggers below, so no code path that finishes a request can forget it.
CREATE TABLE "intake_request_keys" (
    "org_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "request_id" UUID NOT NULL,

    CONSTRAINT "intake_request_keys_pkey" PRIMARY KEY ("org_id", "key", "seq")
);
CREATE INDEX "intake_request_keys_request_id_idx" ON "intake_request_keys"("request_id");
ALTER TABLE "intake_request_keys" ADD CONSTRAINT "intake_request_keys_request_id_fkey"
  FOREIGN KEY ("request_id") REFERENCES "intake_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE FUNCTION sync_intake_request_keys() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM intake_request_keys WHERE request_id = OLD.id;
  END IF;
  IF NEW.written_at IS NULL AND NEW.status IN ('queued', 'running') THEN
    INSERT INTO intake_request_keys (org_id, key, seq, request_id)
    SELECT NEW.org_id, k, NEW.seq, NEW.id FROM unnest(NEW.identity_keys) AS k
    WHERE k NOT LIKE 'domain:%'
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "intake_request_keys_on_insert" AFTER INSERT ON "intake_requests"
  FOR EACH ROW EXECUTE FUNCTION sync_intake_request_keys();
-- Fires only when a request stops being unwritten (written, failed, succeeded) or its keys change;
-- queued <-> running moves do not touch the index.
CREATE TRIGGER "intake_request_keys_on_update" AFTER UPDATE OF "written_at", "status", "identity_keys"
  ON "intake_requests" FOR EACH ROW
  WHEN (
    (OLD.written_at IS NULL AND OLD.status IN ('queued', 'running'))
      IS DISTINCT FROM (NEW.written_at IS NULL AND NEW.status IN ('queued', 'running'))
    OR OLD.identity_keys IS DISTINCT FROM NEW.identity_keys
  )
  EXECUTE FUNCTION sync_intake_request_keys();

INSERT INTO "intake_request_keys" ("org_id", "key", "seq", "request_id")
SELECT r.org_id, k, r.seq, r.id FROM "intake_requests" r, unnest(r.identity_keys) AS k
WHERE r.written_at IS NULL AND r.status IN ('queued', 'running') AND k NOT LIKE 'domain:%'
ON CONFLICT DO NOTHING;

-- The scans these served are gone. Every intake row is inserted once and updated about three
-- times (claimed, written, enriched), each update a new row version in every index, so the
-- indexes that remain are partial where they can be: each holds only the rows its query reads.
-- (Partial indexes cannot be written in schema.prisma; `prisma migrate diff` reports them as
-- drift: keep them.)
DROP INDEX "intake_requests_identity_keys_idx";
DROP INDEX "intake_requests_unwritten_idx";
DROP INDEX "intake_requests_org_id_seq_idx";
DROP INDEX "intake_requests_status_seq_idx";
CREATE INDEX "intake_requests_unfinished_idx" ON "intake_requests"("seq") WHERE "status" IN ('queued', 'running');
DROP INDEX "intake_requests_enrichment_due_at_idx";
CREATE INDEX "intake_requests_enrichment_due_idx" ON "intake_requests"("seq") WHERE "enrichment_due_at" IS NOT NULL;
DROP INDEX "intake_requests_finished_at_idx";
CREATE INDEX "intake_requests_finished_at_idx" ON "intake_requests"("finished_at") WHERE "finished_at" IS NOT NULL;

-- 2. What a request's enrichment job enriches, stored when the request is written instead of
--    re-derived from its public result.
ALTER TABLE "intake_requests" ADD COLUMN "enrichment_contact_id" UUID;
ALTER TABLE "intake_requests" ADD COLUMN "enrichment_account_id" UUID;
UPDATE "intake_requests"
SET "enrichment_contact_id" = CASE
      WHEN "operation" <> 'account.upsert' AND "result"->>'enrichment' = 'pending' THEN "contact_id" END,
    "enrichment_account_id" = CASE
      WHEN ("result"->>'account_created')::boolean THEN ("result"->>'account_id')::uuid END
WHERE "enrichment_due_at" IS NOT NULL;

-- 3. One dispatcher per cluster: a lease row, taken and renewed by one statement (no session
--    state, so it works through a transaction-pooling proxy).
CREATE TABLE "dispatcher_leases" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dispatcher_leases_pkey" PRIMARY KEY ("name")
);

-- 4. The statements, all plpgsql: Postgres caches a plpgsql function's plans per connection (a
--    LANGUAGE sql function's body is planned again on every call). A write is optimistic: the snapshot is read without locks, the plan is made
--    in the domain code, and the write statement then takes every lock, checks that what the plan
--    read is unchanged (else `stale`: read and plan again) and writes, all in one statement. Locks
--    are held for that one statement only, and no write needs an explicit transaction.

-- Is there an earlier request, not yet written, on one of these keys?
CREATE FUNCTION has_earlier_unwritten_request(p_org_id uuid, p_keys text[], p_seq bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (
    SELECT EXISTS (
      SELECT 1 FROM intake_request_keys WHERE org_id = p_org_id AND key = ANY (p_keys) AND seq < p_seq
    )
  );
END;
$$;

-- For each key, the first unwritten request after `p_seq` that has it: the ones to wake.
CREATE FUNCTION next_waiting_requests(p_org_id uuid, p_keys text[], p_seq bigint)
RETURNS uuid[]
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (
    SELECT coalesce(array_agg(DISTINCT n.request_id), '{}')
    FROM unnest(p_keys) AS k(key)
    CROSS JOIN LATERAL (
      SELECT request_id FROM intake_request_keys
      WHERE org_id = p_org_id AND key = k.key AND seq > p_seq
      ORDER BY seq LIMIT 1
    ) n
  );
END;
$$;

-- Claims a request for a run: `claimed` (running, one more attempt), `wait` (an earlier unwritten
-- request shares one of its ordering keys; it stays queued and this is no attempt) or `finished`
-- (written or failed before). Returns the row as JSON; nothing when there is no such request.
CREATE FUNCTION claim_intake_request(p_id uuid, p_check_order boolean)
RETURNS TABLE (claim text, request jsonb)
LANGUAGE plpgsql
AS $$
DECLARE
  r intake_requests%ROWTYPE;
BEGIN
  SELECT * INTO r FROM intake_requests WHERE id = p_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF r.written_at IS NOT NULL OR r.status NOT IN ('queued', 'running') THEN
    RETURN QUERY SELECT 'finished'::text, to_jsonb(r);
    RETURN;
  END IF;
  IF p_check_order AND EXISTS (
    SELECT 1 FROM intake_request_keys mine
    JOIN intake_request_keys earlier
      ON earlier.org_id = mine.org_id AND earlier.key = mine.key AND earlier.seq < mine.seq
    WHERE mine.request_id = p_id
  ) THEN
    IF r.status = 'running' THEN
      UPDATE intake_requests SET status = 'queued', stage = NULL WHERE id = p_id AND status = 'running';
    END IF;
    RETURN QUERY SELECT 'wait'::text, to_jsonb(r);
    RETURN;
  END IF;
  UPDATE intake_requests
  SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()),
      stage = 'matching'::job_stage
  WHERE id = p_id AND status IN ('queued', 'running') AND written_at IS NULL
  RETURNING * INTO r;
  IF NOT FOUND THEN
    -- Finished by another run between the two statements above.
    SELECT * INTO r FROM intake_requests WHERE id = p_id;
    RETURN QUERY SELECT 'finished'::text, to_jsonb(r);
    RETURN;
  END IF;
  RETURN QUERY SELECT 'claimed'::text, to_jsonb(r);
END;
$$;

-- The common head of every write statement (the ordered write): transaction-scoped advisory locks
-- on every identity key (sorted by the caller, so two writers never deadlock), the intake row's
-- lock, and then
--   `finished`   written or failed before (another run of the job);
--   `superseded` another run claimed the request after this one (`p_attempt` is the attempt this
--                run claimed): a run that lost its job never writes;
--   `wait`       an earlier unwritten request shares a locked key: back to queued, no attempt;
--   `locked`     go ahead.
CREATE FUNCTION begin_ordered_write(
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
    UPDATE intake_requests SET status = 'queued', stage = NULL, attempts = GREATEST(attempts - 1, 0)
    WHERE id = p_request_id AND status = 'running';
    RETURN 'wait';
  END IF;
  RETURN 'locked';
END;
$$;

-- What planUpsert's decision depends on, in a form two reads can be compared by: the contacts
-- with this email or LinkedIn URL (id and row version), the accounts by id or domain (id and
-- domain), the tags and custom fields named (their definitions).
CREATE FUNCTION upsert_snapshot_fingerprint(
  p_org_id uuid,
  p_email text,
  p_linkedin text,
  p_account_ids uuid[],
  p_domains text[],
  p_tag_ids uuid[],
  p_custom_field_ids uuid[]
) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (
    SELECT jsonb_build_object(
      'contacts', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'version', c.xmin::text) ORDER BY c.id), '[]')
                   FROM contacts c
                   WHERE c.org_id = p_org_id AND (c.email_normalized = p_email OR c.linkedin_canonical = p_linkedin)),
      'accounts', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'domain', a.domain) ORDER BY a.id), '[]')
                   FROM accounts a
                   WHERE a.org_id = p_org_id AND (a.id = ANY (p_account_ids) OR a.domain = ANY (p_domains))),
      'tags', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'object_type', t.object_type) ORDER BY t.id), '[]')
               FROM tags t WHERE t.org_id = p_org_id AND t.id = ANY (p_tag_ids)),
      'custom_fields', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', f.id, 'entity', f.entity, 'type', f.type,
                                                                    'options', f.options) ORDER BY f.id), '[]')
                        FROM custom_fields f WHERE f.org_id = p_org_id AND f.id = ANY (p_custom_field_ids)))
  );
END;
$$;

-- Exactly the slice of the org that planUpsert reads, in one round trip, without locks: the
-- contacts with this email or LinkedIn URL (with their tag ids), the accounts by id or domain, the
-- tags and custom fields named, the names of every tag involved in display order, and the
-- fingerprint the write checks.
CREATE FUNCTION load_upsert_snapshot(
  p_org_id uuid,
  p_email text,
  p_linkedin text,
  p_account_ids uuid[],
  p_domains text[],
  p_tag_ids uuid[],
  p_custom_field_ids uuid[]
) RETURNS TABLE (contacts jsonb, accounts jsonb, tags jsonb, custom_fields jsonb, tag_order jsonb,
                 fingerprint jsonb)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN QUERY
    WITH matched AS (
      SELECT c.*, (SELECT coalesce(array_agg(ct.tag_id ORDER BY ct.tag_id), '{}') FROM contact_tags ct
                   WHERE ct.contact_id = c.id) AS tag_ids
      FROM contacts c
      WHERE c.org_id = p_org_id AND (c.email_normalized = p_email OR c.linkedin_canonical = p_linkedin)
    )
    SELECT
      (SELECT coalesce(jsonb_agg(to_jsonb(m)), '[]') FROM matched m),
      (SELECT coalesce(jsonb_agg(to_jsonb(a)), '[]') FROM accounts a
       WHERE a.org_id = p_org_id AND (a.id = ANY (p_account_ids) OR a.domain = ANY (p_domains))),
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'object_type', t.object_type)), '[]')
       FROM tags t WHERE t.org_id = p_org_id AND t.id = ANY (p_tag_ids)),
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', f.id, 'entity', f.entity, 'type', f.type,
                                                    'options', f.options)), '[]')
       FROM custom_fields f WHERE f.org_id = p_org_id AND f.id = ANY (p_custom_field_ids)),
      (SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name) ORDER BY t.name_normalized, t.id), '[]')
       FROM tags t
       WHERE t.org_id = p_org_id
         AND (t.id = ANY (p_tag_ids) OR t.id IN (SELECT unnest(m.tag_ids) FROM matched m))),
      upsert_snapshot_fingerprint(p_org_id, p_email, p_linkedin, p_account_ids, p_domains, p_tag_ids,
                                  p_custom_field_ids);
END;
$$;

-- Records the outcome of a written request in its row (the trigger drops its ordering keys) and
-- returns the requests to wake.
CREATE FUNCTION finish_intake_write(
  p_request_id uuid,
  p_org_id uuid,
  p_seq bigint,
  p_keys text[],
  p_contact_id uuid,
  p_result jsonb,
  p_enrichment_contact_id uuid,
  p_enrichment_account_id uuid,
  p_now timestamptz
) RETURNS uuid[]
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE intake_requests
  SET contact_id = p_contact_id, written_at = p_now, result = p_result, status = 'succeeded',
      stage = NULL, finished_at = p_now,
      enrichment_due_at = CASE
        WHEN p_enrichment_contact_id IS NOT NULL OR p_enrichment_account_id IS NOT NULL THEN p_now END,
      enrichment_contact_id = p_enrichment_contact_id,
      enrichment_account_id = p_enrichment_account_id
  WHERE id = p_request_id;
  RETURN next_waiting_requests(p_org_id, p_keys, p_seq);
END;
$$;

-- A request that failed for a reason of its own (conflict, unknown tag, ...): `failed` with its
-- error; returns the requests to wake.
CREATE FUNCTION fail_intake_request(
  p_request_id uuid,
  p_org_id uuid,
  p_seq bigint,
  p_keys text[],
  p_error jsonb,
  p_now timestamptz
) RETURNS uuid[]
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE intake_requests SET status = 'failed', stage = NULL, error = p_error, finished_at = p_now
  WHERE id = p_request_id;
  RETURN next_waiting_requests(p_org_id, p_keys, p_seq);
END;
$$;

-- Inserts an account the service created (the caller holds its domain's lock).
CREATE FUNCTION insert_account(p_org_id uuid, p_account jsonb, p_now timestamptz) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO accounts (id, org_id, domain, name, description, industries, employee_count, founded_year,
                          linkedin_url, status, notes, field_provenance, enrichment_status,
                          enrichment_provider, created_at, updated_at)
    SELECT r.id, p_org_id, r.domain, r.name, r.description, coalesce(r.industries, '{}'), r.employee_count,
           r.founded_year, r.linkedin_url, r.status, r.notes, r.field_provenance, r.enrichment_status,
           r.enrichment_provider, p_now, p_now
    FROM jsonb_populate_record(NULL::accounts, p_account) r;
END;
$$;

-- The write of a contact upsert, in one statement: the ordered write's locks and checks; then,
-- if the snapshot the plan was made from still holds (the contacts it read locked first), either
-- the failure the plan decided (`p_error`) or the account it created, the contact (insert or full
-- update), its new tags and the intake row's transition. Returns the outcome (`written`, `stale`
-- or begin_ordered_write's) and the requests to wake.
CREATE FUNCTION write_contact_upsert(
  p_request_id uuid,
  p_org_id uuid,
  p_seq bigint,
  p_attempt integer,
  p_keys text[],
  p_lock_keys boolean,
  p_check_order boolean,
  p_lookups jsonb,
  p_fingerprint jsonb,
  p_error jsonb,
  p_contact jsonb,
  p_is_new boolean,
  p_new_account jsonb,
  p_added_tag_ids uuid[],
  p_result jsonb,
  p_enrichment_contact_id uuid,
  p_enrichment_account_id uuid,
  p_now timestamptz
) RETURNS TABLE (outcome text, next uuid[])
LANGUAGE plpgsql
AS $$
DECLARE
  v_state text;
  v_contact_id uuid := (p_contact->>'id')::uuid;
  v_email text := p_lookups->>'email';
  v_linkedin text := p_lookups->>'linkedin';
BEGIN
  v_state := begin_ordered_write(p_request_id, p_org_id, p_seq, p_attempt, p_keys, p_lock_keys, p_check_order);
  IF v_state <> 'locked' THEN
    RETURN QUERY SELECT v_state, '{}'::uuid[];
    RETURN;
  END IF;
  -- Row locks on the matched contacts (the enrichment merge takes the same) before their versions
  -- are compared.
  PERFORM 1 FROM contacts c
  WHERE c.org_id = p_org_id AND (c.email_normalized = v_email OR c.linkedin_canonical = v_linkedin)
  ORDER BY c.id FOR UPDATE;
  IF upsert_snapshot_fingerprint(
       p_org_id, v_email, v_linkedin,
       ARRAY(SELECT jsonb_array_elements_text(p_lookups->'account_ids'))::uuid[],
       ARRAY(SELECT jsonb_array_elements_text(p_lookups->'domains')),
       ARRAY(SELECT jsonb_array_elements_text(p_lookups->'tag_ids'))::uuid[],
       ARRAY(SELECT jsonb_array_elements_text(p_lookups->'custom_field_ids'))::uuid[]
     ) IS DISTINCT FROM p_fingerprint THEN
    RETURN QUERY SELECT 'stale'::text, '{}'::uuid[];
    RETURN;
  END IF;
  IF p_error IS NOT NULL THEN
    RETURN QUERY SELECT 'written'::text, fail_intake_request(p_request_id, p_org_id, p_seq, p_keys, p_error, p_now);
    RETURN;
  END IF;
  IF p_new_account IS NOT NULL THEN
    PERFORM insert_account(p_org_id, p_new_account, p_now);
  END IF;
  IF p_is_new THEN
    INSERT INTO contacts (id, org_id, email, email_normalized, linkedin_url, linkedin_canonical,
                          first_name, last_name, title, phone_number, location, do_not_contact, source,
                          account_id, custom_fields, field_provenance, created_seq, enrichment_status,
                          enrichment_provider, created_at, updated_at)
    SELECT r.id, p_org_id, r.email, r.email_normalized, r.linkedin_url, r.linkedin_canonical,
           r.first_name, r.last_name, r.title, r.phone_number, r.location, r.do_not_contact, r.source,
           r.account_id, r.custom_fields, r.field_provenance, r.created_seq, r.enrichment_status,
           r.enrichment_provider, p_now, p_now
    FROM jsonb_populate_record(NULL::contacts, p_contact) r;
  ELSE
    UPDATE contacts c
    SET email = r.email, email_normalized = r.email_normalized, linkedin_url = r.linkedin_url,
        linkedin_canonical = r.linkedin_canonical, first_name = r.first_name, last_name = r.last_name,
        title = r.title, phone_number = r.phone_number, location = r.location,
        do_not_contact = r.do_not_contact, account_id = r.account_id, custom_fields = r.custom_fields,
        field_provenance = r.field_provenance, created_seq = r.created_seq,
        enrichment_status = r.enrichment_status, enrichment_provider = r.enrichment_provider,
        updated_at = p_now
    FROM jsonb_populate_record(NULL::contacts, p_contact) r
    WHERE c.id = v_contact_id;
  END IF;
  INSERT INTO contact_tags (contact_id, tag_id, created_at)
  SELECT v_contact_id, t, p_now FROM unnest(p_added_tag_ids) AS t
  ON CONFLICT DO NOTHING;
  RETURN QUERY SELECT 'written'::text,
    finish_intake_write(p_request_id, p_org_id, p_seq, p_keys, v_contact_id, p_result,
                        p_enrichment_contact_id, p_enrichment_account_id, p_now);
END;
$$;

-- The account of this domain as a `PUT /v1/accounts` plan reads it (null when none), with its row
-- version for the write's check.
CREATE FUNCTION load_account_by_domain(p_org_id uuid, p_domain text) RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN (
    SELECT to_jsonb(a) || jsonb_build_object('version', a.xmin::text)
    FROM accounts a WHERE a.org_id = p_org_id AND a.domain = p_domain
  );
END;
$$;

-- The write of an account upsert: the ordered write's locks and checks; then, if the domain's
-- account is still the version read (or still absent), insert or update it and the intake row's
-- transition.
CREATE FUNCTION write_account_upsert(
  p_request_id uuid,
  p_org_id uuid,
  p_seq bigint,
  p_attempt integer,
  p_keys text[],
  p_lock_keys boolean,
  p_check_order boolean,
  p_domain text,
  p_version text,
  p_account jsonb,
  p_is_new boolean,
  p_result jsonb,
  p_now timestamptz
) RETURNS TABLE (outcome text, next uuid[])
LANGUAGE plpgsql
AS $$
DECLARE
  v_state text;
  v_version text;
  v_account_id uuid := (p_account->>'id')::uuid;
BEGIN
  v_state := begin_ordered_write(p_request_id, p_org_id, p_seq, p_attempt, p_keys, p_lock_keys, p_check_order);
  IF v_state <> 'locked' THEN
    RETURN QUERY SELECT v_state, '{}'::uuid[];
    RETURN;
  END IF;
  SELECT a.xmin::text INTO v_version FROM accounts a
  WHERE a.org_id = p_org_id AND a.domain = p_domain FOR UPDATE;
  IF v_version IS DISTINCT FROM p_version THEN
    RETURN QUERY SELECT 'stale'::text, '{}'::uuid[];
    RETURN;
  END IF;
  IF p_is_new THEN
    PERFORM insert_account(p_org_id, p_account, p_now);
  ELSE
    UPDATE accounts a
    SET domain = r.domain, name = r.name, description = r.description,
        industries = coalesce(r.industries, '{}'), employee_count = r.employee_count,
        founded_year = r.founded_year, linkedin_url = r.linkedin_url, status = r.status,
        notes = r.notes, field_provenance = r.field_provenance,
        enrichment_status = r.enrichment_status, enrichment_provider = r.enrichment_provider,
        updated_at = p_now
    FROM jsonb_populate_record(NULL::accounts, p_account) r
    WHERE a.id = v_account_id;
  END IF;
  RETURN QUERY SELECT 'written'::text,
    finish_intake_write(p_request_id, p_org_id, p_seq, p_keys, NULL, p_result, NULL,
                        CASE WHEN p_is_new THEN v_account_id END, p_now);
END;
$$;

-- The write of a re-enrichment: the contact's enrichment is pending again (its values stay) and
-- the request is written, owing an enrichment job; the request fails with `not_found` when the
-- contact no longer exists.
CREATE FUNCTION write_reenrichment(
  p_request_id uuid,
  p_org_id uuid,
  p_seq bigint,
  p_attempt integer,
  p_contact_id uuid,
  p_now timestamptz
) RETURNS TABLE (outcome text, next uuid[])
LANGUAGE plpgsql
AS $$
DECLARE
  v_state text;
BEGIN
  v_state := begin_ordered_write(p_request_id, p_org_id, p_seq, p_attempt, '{}', false, false);
  IF v_state <> 'locked' THEN
    RETURN QUERY SELECT v_state, '{}'::uuid[];
    RETURN;
  END IF;
  UPDATE contacts SET enrichment_status = 'pending', enrichment_error = NULL, updated_at = p_now
  WHERE id = p_contact_id AND org_id = p_org_id;
  IF NOT FOUND THEN
    PERFORM fail_intake_request(p_request_id, p_org_id, p_seq, '{}', jsonb_build_object(
      'code', 'not_found', 'message', 'The contact no longer exists.'), p_now);
    RETURN QUERY SELECT 'failed'::text, '{}'::uuid[];
    RETURN;
  END IF;
  PERFORM finish_intake_write(p_request_id, p_org_id, p_seq, '{}', p_contact_id, jsonb_build_object(
    'action', 'enrich', 'contact_id', p_contact_id, 'enrichment', 'pending'), p_contact_id, NULL, p_now);
  RETURN QUERY SELECT 'written'::text, '{}'::uuid[];
END;
$$;

-- What an enrichment job works on, in one round trip: the request, its contact (the one to enrich,
-- or the one it updated, whose view the result shows) and the account it is to enrich, as they
-- are now, each with its row version (xmin) for the merge's check.
CREATE FUNCTION load_enrichment_work(p_request_id uuid)
RETURNS TABLE (request jsonb, contact jsonb, account jsonb)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN QUERY
    SELECT to_jsonb(r),
           CASE WHEN c.id IS NOT NULL THEN to_jsonb(c) || jsonb_build_object(
             'version', c.xmin::text,
             'tag_ids', (SELECT coalesce(jsonb_agg(ct.tag_id ORDER BY ct.tag_id), '[]') FROM contact_tags ct
                         WHERE ct.contact_id = c.id),
             'tag_names', (SELECT coalesce(jsonb_agg(t.name ORDER BY t.name_normalized, t.id), '[]')
                           FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = c.id)) END,
           CASE WHEN a.id IS NOT NULL THEN to_jsonb(a) || jsonb_build_object('version', a.xmin::text) END
    FROM intake_requests r
    LEFT JOIN contacts c ON c.id = r.contact_id
    LEFT JOIN accounts a ON a.id = r.enrichment_account_id
    WHERE r.id = p_request_id;
END;
$$;

-- The enrichment merge, in one statement: under the intake row's lock, while enrichment is still
-- owed, and only if the contact and account are the versions the merge was computed from (else
-- `stale`: nothing is written and the caller merges again from a fresh read). `done` when another
-- run recorded it first.
CREATE FUNCTION apply_enrichment(
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
BEGIN
  PERFORM 1 FROM intake_requests WHERE id = p_request_id AND enrichment_due_at IS NOT NULL FOR UPDATE;
  IF NOT FOUND THEN
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
