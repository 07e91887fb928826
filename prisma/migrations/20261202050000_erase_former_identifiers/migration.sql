-- Erasure also finds the requests that carry an identifier the deleted contact had before: the
-- keys to redact by are its identifiers now plus the email and LinkedIn keys of every earlier
-- request that wrote it. A request that wrote a different contact keeps its data even when it
-- shares such a key (an email the deleted contact gave up and another contact took since).
-- Only the `delete` branch of write_contact_by_id changes.
CREATE OR REPLACE FUNCTION write_contact_by_id(
  p_request_id uuid,
  p_org_id uuid,
  p_seq bigint,
  p_attempt integer,
  p_keys text[],
  p_lock_keys boolean,
  p_check_order boolean,
  p_action text,
  p_contact_id uuid,
  p_version text,
  p_lookups jsonb,
  p_fingerprint jsonb,
  p_error jsonb,
  p_contact jsonb,
  p_tag_ids uuid[],
  p_result jsonb,
  p_now timestamptz
) RETURNS TABLE (outcome text, next uuid[])
LANGUAGE plpgsql
AS $$
DECLARE
  v_state text;
  v_version text;
  v_erased_keys text[];
BEGIN
  v_state := begin_ordered_write(p_request_id, p_org_id, p_seq, p_attempt, p_keys, p_lock_keys, p_check_order);
  IF v_state <> 'locked' THEN
    RETURN QUERY SELECT v_state, '{}'::uuid[];
    RETURN;
  END IF;
  SELECT c.xmin::text INTO v_version FROM contacts c WHERE c.org_id = p_org_id AND c.id = p_contact_id FOR UPDATE;
  IF v_version IS DISTINCT FROM p_version THEN
    RETURN QUERY SELECT 'stale'::text, '{}'::uuid[];
    RETURN;
  END IF;
  IF p_fingerprint IS NOT NULL THEN
    PERFORM 1 FROM contacts c
    WHERE c.org_id = p_org_id
      AND (c.email_normalized = p_lookups->>'email' OR c.linkedin_canonical = p_lookups->>'linkedin')
    ORDER BY c.id FOR UPDATE;
    IF upsert_snapshot_fingerprint(
         p_org_id, p_lookups->>'email', p_lookups->>'linkedin',
         ARRAY(SELECT jsonb_array_elements_text(p_lookups->'account_ids'))::uuid[],
         ARRAY(SELECT jsonb_array_elements_text(p_lookups->'domains')),
         ARRAY(SELECT jsonb_array_elements_text(p_lookups->'tag_ids'))::uuid[],
         ARRAY(SELECT jsonb_array_elements_text(p_lookups->'custom_field_ids'))::uuid[]
       ) IS DISTINCT FROM p_fingerprint THEN
      RETURN QUERY SELECT 'stale'::text, '{}'::uuid[];
      RETURN;
    END IF;
  END IF;
  IF p_action = 'fail' THEN
    RETURN QUERY SELECT 'written'::text, fail_intake_request(p_request_id, p_org_id, p_seq, p_keys, p_error, p_now);
    RETURN;
  END IF;
  IF p_action = 'patch' THEN
    UPDATE contacts c
    SET email = r.email, email_normalized = r.email_normalized, linkedin_url = r.linkedin_url,
        linkedin_canonical = r.linkedin_canonical, first_name = r.first_name, last_name = r.last_name,
        title = r.title, phone_number = r.phone_number, location = r.location,
        do_not_contact = r.do_not_contact, account_id = r.account_id, custom_fields = r.custom_fields,
        field_provenance = r.field_provenance, updated_at = p_now
    FROM jsonb_populate_record(NULL::contacts, p_contact) r
    WHERE c.id = p_contact_id;
    DELETE FROM contact_tags WHERE contact_id = p_contact_id AND tag_id <> ALL (p_tag_ids);
    INSERT INTO contact_tags (contact_id, tag_id, created_at)
    SELECT p_contact_id, t, p_now FROM unnest(p_tag_ids) AS t
    ON CONFLICT DO NOTHING;
  ELSIF p_action = 'delete' THEN
    -- The identifiers it has now, and every one a request that wrote it sent (an email it had
    -- before a change, say): a failed request carrying one of those has no contact_id to find it by.
    SELECT array_remove(ARRAY[
             'contact:' || c.id::text,
             CASE WHEN c.email_normalized IS NOT NULL THEN 'email:' || c.email_normalized END,
             CASE WHEN c.linkedin_canonical IS NOT NULL THEN 'linkedin:' || c.linkedin_canonical END], NULL)
           || ARRAY(SELECT DISTINCT k FROM intake_requests w, unnest(w.identity_keys) AS k
                     WHERE w.org_id = p_org_id AND w.contact_id = p_contact_id AND w.seq < p_seq
                       AND (k LIKE 'email:%' OR k LIKE 'linkedin:%'))
    INTO v_erased_keys
    FROM contacts c WHERE c.id = p_contact_id;
    UPDATE intake_requests r
    SET payload = jsonb_build_object('erased', true),
        identity_keys = '{}',
        result = CASE WHEN r.result IS NULL THEN NULL ELSE jsonb_strip_nulls(jsonb_build_object(
                   'erased', true, 'action', r.result->'action', 'enrichment', r.result->'enrichment',
                   'contact_id', r.result->'contact_id', 'account_id', r.result->'account_id')) END,
        error = CASE WHEN r.error IS NULL THEN NULL ELSE jsonb_build_object(
                  'code', r.error->'code', 'message', 'The details of this error were erased with the contact.') END,
        -- An enrichment still owed for an account the request created goes on (about the
        -- company only); one owed for this contact is cancelled.
        enrichment_due_at = CASE WHEN r.enrichment_account_id IS NULL THEN NULL ELSE r.enrichment_due_at END,
        enrichment_contact_id = NULL
    WHERE r.org_id = p_org_id AND r.id <> p_request_id AND r.seq < p_seq
      AND (r.status IN ('succeeded', 'failed') OR r.written_at IS NOT NULL)
      AND (r.contact_id = p_contact_id OR r.enrichment_contact_id = p_contact_id
           OR r.payload->>'contact_id' = p_contact_id::text
           -- by an identifier, unless the request wrote another contact (that one's own data)
           OR (r.identity_keys && v_erased_keys AND (r.contact_id IS NULL OR r.contact_id = p_contact_id)));
    DELETE FROM contacts WHERE id = p_contact_id;
  ELSE
    RAISE EXCEPTION 'write_contact_by_id: unknown action %', p_action;
  END IF;
  RETURN QUERY SELECT 'written'::text,
    finish_intake_write(p_request_id, p_org_id, p_seq, p_keys,
                        CASE WHEN p_action = 'patch' THEN p_contact_id END, p_result, NULL, NULL, p_now);
END;
$$;
