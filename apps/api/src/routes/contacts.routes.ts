import { Router } from "express";
import { answerWrite } from "../http/answer-write";
import { authOf } from "../http/authenticate";
import { requireJsonBody } from "../http/require-json-body";
import { type AcceptUpsertDeps, acceptReenrichment, acceptUpsert } from "../services/accept-upsert";
import type { AwaitWriteDeps } from "../services/await-write";

export function createContactsRouter(deps: AcceptUpsertDeps & AwaitWriteDeps): Router {
  const router = Router();

  router.put("/v1/contacts", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const accepted = await acceptUpsert(deps, {
      orgId,
      body: req.body,
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    await answerWrite(req, res, deps, accepted, "upsert accepted");
  });

  // Asks the provider again about an existing contact (failed or stale enrichment). Async like
  // the upsert; fill-only, so values a caller sent are never overwritten.
  router.post("/v1/contacts/:id/enrich", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const accepted = await acceptReenrichment(deps, {
      orgId,
      contactId: String(req.params.id),
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    await answerWrite(req, res, deps, accepted, "re-enrichment accepted");
  });

  return router;
}
