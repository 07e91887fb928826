-- batch.finished: emitted by the transition that finishes a batch, in its transaction, so the event
-- is as durable as the batch's own end. A batch finishes once: finish_batch_if_done sets
-- finished_at only while it is NULL (the worker that wrote the last item), or acceptance inserts it
-- finished (no item accepted). The event's data is what GET /v1/batches/{id} shows then.
CREATE FUNCTION emit_batch_finished_event() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_succeeded integer;
  v_failed integer;
  v_created integer;
  v_updated integer;
  v_rejected integer := jsonb_array_length(NEW.rejected);
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.finished_at IS NOT NULL THEN
    RETURN NULL;
  END IF;
  SELECT count(*) FILTER (WHERE r.status = 'succeeded'),
         count(*) FILTER (WHERE r.status = 'failed'),
         count(*) FILTER (WHERE r.status = 'succeeded' AND r.result->>'action' = 'created'),
         count(*) FILTER (WHERE r.status = 'succeeded' AND r.result->>'action' = 'updated')
    INTO v_succeeded, v_failed, v_created, v_updated
    FROM intake_requests r WHERE r.batch_id = NEW.id;
  PERFORM emit_webhook_event(NEW.org_id, 'batch.finished', jsonb_build_object(
    'id', NEW.id,
    'operation', NEW.operation,
    'status', CASE WHEN v_failed + v_rejected = 0 THEN 'succeeded'
                   WHEN v_succeeded = 0 THEN 'failed'
                   ELSE 'partially_failed' END,
    'counts', jsonb_build_object('queued', 0, 'running', 0, 'succeeded', v_succeeded,
                                 'failed', v_failed, 'created', v_created, 'updated', v_updated,
                                 'rejected', v_rejected, 'items', NEW.item_count,
                                 'accepted', NEW.accepted_count),
    'created_at', webhook_iso_time(NEW.created_at),
    'finished_at', webhook_iso_time(NEW.finished_at),
    'links', jsonb_build_object('self', '/v1/batches/' || NEW.id, 'items', '/v1/batches/' || NEW.id || '/items')
  ), NEW.finished_at);
  RETURN NULL;
END;
$$;

CREATE TRIGGER batches_emit_finished_event
AFTER INSERT OR UPDATE OF finished_at ON batches
FOR EACH ROW WHEN (NEW.finished_at IS NOT NULL)
EXECUTE FUNCTION emit_batch_finished_event();

-- Batches not marked finished: the dispatcher's pass finishes those whose items are all done (the
-- worker that wrote the last item died before finish_batch_if_done), so batch.finished is sent
-- at least once whatever crashes.
CREATE INDEX "batches_unfinished_idx" ON "batches"("created_at") WHERE "finished_at" IS NULL;
