import { Router } from "express";
import { answerWrite } from "../http/answer-write";
import { authOf } from "../http/authenticate";
import { requireJsonBody } from "../http/require-json-body";
import { acceptContactDelete, acceptContactPatch, acceptCreate } from "../services/accept-by-id";
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

  // Create only: the job fails with `conflict` when the email or LinkedIn URL exists.
  router.post("/v1/contacts", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const accepted = await acceptCreate(deps, {
      orgId,
      body: req.body,
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    await answerWrite(req, res, deps, accepted, "create accepted");
  });

  router.patch("/v1/contacts/:id", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const accepted = await acceptContactPatch(deps, {
      orgId,
      id: String(req.params.id),
      body: req.body,
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    await answerWrite(req, res, deps, accepted, "patch accepted");
  });

  // Deletes the contact and erases its personal data (intake log, job results, answer cache).
  router.delete("/v1/contacts/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const accepted = await acceptContactDelete(deps, {
      orgId,
      id: String(req.params.id),
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    await answerWrite(req, res, deps, accepted, "delete accepted");
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
