-- Completion webhooks (issue 12, part 2): endpoints per organisation and their deliveries, which
-- are the outbox. An event becomes one delivery row per subscribed endpoint in the same
-- transaction as the outcome it reports (a trigger on intake_requests, or emit_webhook_event
-- called by the statement that records it), so a worker killed after its commit loses nothing:
-- the worker's outbox poller queues whatever is pending (apps/worker/src/webhook-outbox.ts).

CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[] NOT NULL,
    "secret" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "disabled_reason" TEXT,
    "disabled_at" TIMESTAMPTZ(3),
    "first_failed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_endpoints_status_check" CHECK ("status" IN ('active', 'disabled'))
);
CREATE INDEX "webhook_endpoints_org_id_idx" ON "webhook_endpoints"("org_id");
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_org_id_fkey"
  FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_response_code" INTEGER,
    "last_error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "enqueued_at" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_deliveries_status_check" CHECK ("status" IN ('pending', 'succeeded', 'failed'))
);
CREATE UNIQUE INDEX "webhook_deliveries_seq_key" ON "webhook_deliveries"("seq");
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "webhook_deliveries"("endpoint_id", "created_at");
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey"
  FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- Partial indexes (not expressible in schema.prisma): the outbox poller's "not queued yet" and
-- the repair pass's "still pending". Both are empty where nobody uses webhooks.
CREATE INDEX "webhook_deliveries_unqueued_idx" ON "webhook_deliveries"("seq")
  WHERE "status" = 'pending' AND "enqueued_at" IS NULL;
CREATE INDEX "webhook_deliveries_pending_idx" ON "webhook_deliveries"("seq") WHERE "status" = 'pending';
CREATE INDEX "webhook_deliveries_finished_at_idx" ON "webhook_deliveries"("finished_at")
  WHERE "status" <> 'pending';

-- ISO 8601 in UTC with milliseconds, as the API writes timestamps (Date#toISOString).
CREATE FUNCTION webhook_iso_time(p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- One event: a delivery row per active endpoint of the org subscribed to its type, all with the
-- same event id (the `webhook-id` header, stable across retries). The body is stored whole, so
-- every attempt sends the same bytes. Returns how many deliveries it created (0: nobody listens).
-- The producer of `batch.finished` calls this in the statement that records a finished batch.
CREATE FUNCTION emit_webhook_event(p_org_id uuid, p_type text, p_data jsonb, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  v_event_id uuid := gen_random_uuid();
  v_count integer;
BEGIN
  INSERT INTO webhook_deliveries (id, endpoint_id, org_id, event_id, event_type, payload, next_attempt_at, created_at)
  SELECT gen_random_uuid(), e.id, p_org_id, v_event_id, p_type,
         jsonb_build_object('type', p_type, 'timestamp', webhook_iso_time(p_now), 'data', p_data),
         p_now, p_now
  FROM webhook_endpoints e
  WHERE e.org_id = p_org_id AND e.status = 'active' AND p_type = ANY (e.events);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;

-- The job events and contact.enriched, from the intake row's own transitions: every code path that
-- finishes a request or records its enrichment updates these columns, so none can forget the
-- event. An org without endpoints pays one index probe per finished request (the WHEN clause
-- keeps the trigger from firing at all on claims and other updates).
CREATE FUNCTION emit_intake_webhook_events() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE org_id = NEW.org_id AND status = 'active') THEN
    RETURN NULL;
  END IF;
  IF OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('succeeded', 'failed') THEN
    PERFORM emit_webhook_event(NEW.org_id, 'job.' || NEW.status::text, jsonb_build_object(
      'id', NEW.id,
      'operation', NEW.operation,
      'status', NEW.status,
      'attempts', NEW.attempts,
      'created_at', webhook_iso_time(NEW.created_at),
      'started_at', webhook_iso_time(NEW.started_at),
      'finished_at', webhook_iso_time(NEW.finished_at),
      'result', NEW.result,
      'error', NEW.error,
      'links', jsonb_build_object('self', '/v1/jobs/' || NEW.id)
    ), v_now);
  END IF;
  IF OLD.enriched_at IS NULL AND NEW.enriched_at IS NOT NULL AND NEW.enrichment_contact_id IS NOT NULL
     AND NEW.result->>'enrichment' = 'applied' THEN
    PERFORM emit_webhook_event(NEW.org_id, 'contact.enriched', jsonb_build_object(
      'contact_id', NEW.enrichment_contact_id,
      'job_id', NEW.id,
      'contact', NEW.result->'contact',
      'links', jsonb_build_object('contact', '/v1/contacts/' || NEW.enrichment_contact_id,
                                  'job', '/v1/jobs/' || NEW.id)
    ), v_now);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "intake_requests_webhook_events" AFTER UPDATE OF "status", "enriched_at"
  ON "intake_requests" FOR EACH ROW
  WHEN (
    (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('succeeded', 'failed'))
    OR (OLD.enriched_at IS NULL AND NEW.enriched_at IS NOT NULL)
  )
  EXECUTE FUNCTION emit_intake_webhook_events();

-- One attempt's outcome, in one statement: the delivery (succeeded, pending with its next attempt,
-- or failed when `p_next_attempt_at` is null: the retry window is spent) and its endpoint
-- (`first_failed_at` cleared by a success; an endpoint failing for `p_disable_after` is disabled and
-- its pending deliveries failed). Returns the delivery's status and the endpoint's.
CREATE FUNCTION record_webhook_attempt(
  p_delivery_id uuid,
  p_ok boolean,
  p_response_code integer,
  p_error text,
  p_now timestamptz,
  p_next_attempt_at timestamptz,
  p_disable_after interval
) RETURNS TABLE (delivery_status text, endpoint_status text)
LANGUAGE plpgsql
AS $$
DECLARE
  v_endpoint_id uuid;
  v_first_failed_at timestamptz;
  v_status text;
BEGIN
  UPDATE webhook_deliveries
  SET attempts = attempts + 1, last_response_code = p_response_code, last_error = p_error,
      last_attempt_at = p_now,
      status = CASE WHEN p_ok THEN 'succeeded' WHEN p_next_attempt_at IS NULL THEN 'failed' ELSE 'pending' END,
      next_attempt_at = coalesce(p_next_attempt_at, next_attempt_at),
      finished_at = CASE WHEN p_ok OR p_next_attempt_at IS NULL THEN p_now END
  WHERE id = p_delivery_id AND status = 'pending'
  RETURNING endpoint_id, status INTO v_endpoint_id, v_status;
  IF NOT FOUND THEN
    RETURN QUERY SELECT d.status, e.status FROM webhook_deliveries d
      JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = p_delivery_id;
    RETURN;
  END IF;
  IF p_ok THEN
    UPDATE webhook_endpoints SET first_failed_at = NULL, updated_at = p_now
    WHERE id = v_endpoint_id AND first_failed_at IS NOT NULL;
    RETURN QUERY SELECT v_status, e.status FROM webhook_endpoints e WHERE e.id = v_endpoint_id;
    RETURN;
  END IF;
  UPDATE webhook_endpoints SET first_failed_at = coalesce(first_failed_at, p_now), updated_at = p_now
  WHERE id = v_endpoint_id
  RETURNING first_failed_at INTO v_first_failed_at;
  IF p_now - v_first_failed_at >= p_disable_after THEN
    UPDATE webhook_endpoints
    SET status = 'disabled', disabled_at = p_now,
        disabled_reason = 'Every delivery failed since ' || webhook_iso_time(v_first_failed_at)
          || ' (last: ' || coalesce('HTTP ' || p_response_code, p_error, 'no answer') || ').'
    WHERE id = v_endpoint_id AND status = 'active';
    UPDATE webhook_deliveries
    SET status = 'failed', finished_at = p_now,
        last_error = coalesce(last_error || '; ', '') || 'endpoint disabled'
    WHERE endpoint_id = v_endpoint_id AND status = 'pending';
    v_status := 'failed';
  END IF;
  RETURN QUERY SELECT v_status, e.status FROM webhook_endpoints e WHERE e.id = v_endpoint_id;
END;
$$;
