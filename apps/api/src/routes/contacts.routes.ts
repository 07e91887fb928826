import { DomainError } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";
import { jobLink, toAcceptedView } from "../http/job-view";
import { type AcceptUpsertDeps, acceptReenrichment, acceptUpsert } from "../services/accept-upsert";

export function createContactsRouter(deps: AcceptUpsertDeps): Router {
  const router = Router();

  router.put("/v1/contacts", async (req, res) => {
    if (!req.is(["application/json", "application/*+json"])) {
      throw new DomainError(
        "unsupported_media_type",
        "Send the body as JSON with `Content-Type: application/json`.",
      );
    }
    const { orgId } = authOf(res.locals);
    const { request, replayed } = await acceptUpsert(deps, {
      orgId,
      body: req.body,
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    res.set({ Location: jobLink(request.id), "Retry-After": "1" });
    if (replayed) res.set("Idempotent-Replayed", "true");
    req.log.info({ jobId: request.id, replayed }, "upsert accepted");
    sendData(res, 202, toAcceptedView(request));
  });

  // Asks the provider again about an existing contact (failed or stale enrichment). Async like
  // the upsert; fill-only, so values a caller sent are never overwritten.
  router.post("/v1/contacts/:id/enrich", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const { request, replayed } = await acceptReenrichment(deps, {
      orgId,
      contactId: String(req.params.id),
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    res.set({ Location: jobLink(request.id), "Retry-After": "1" });
    if (replayed) res.set("Idempotent-Replayed", "true");
    req.log.info({ jobId: request.id, replayed }, "re-enrichment accepted");
    sendData(res, 202, toAcceptedView(request));
  });

  return router;
}
