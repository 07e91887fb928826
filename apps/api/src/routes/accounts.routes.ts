import { findAccountDetails } from "@upsert/db";
import { DomainError, toAccountResponse } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";
import { sendAccepted } from "../http/job-view";
import { requireJsonBody } from "../http/require-json-body";
import { acceptAccountDelete, acceptAccountPatch } from "../services/accept-by-id";
import { type AcceptUpsertDeps, acceptAccountUpsert } from "../services/accept-upsert";

export function createAccountsRouter(deps: AcceptUpsertDeps): Router {
  const router = Router();

  // Upsert by domain, async like contacts: 202 with a job; a created account is enriched.
  router.put("/v1/accounts", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const accepted = await acceptAccountUpsert(deps, {
      orgId,
      body: req.body,
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    sendAccepted(req, res, accepted, "account upsert accepted");
  });

  router.patch("/v1/accounts/:id", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const accepted = await acceptAccountPatch(deps, {
      orgId,
      id: String(req.params.id),
      body: req.body,
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    sendAccepted(req, res, accepted, "account patch accepted");
  });

  // The account goes; its contacts stay, with no account.
  router.delete("/v1/accounts/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const accepted = await acceptAccountDelete(deps, {
      orgId,
      id: String(req.params.id),
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    sendAccepted(req, res, accepted, "account delete accepted");
  });

  router.get("/v1/accounts/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    // Malformed ids, unknown ids and other orgs' accounts are indistinguishable to the caller.
    const details = await findAccountDetails(deps.prisma, orgId, req.params.id);
    if (!details) throw new DomainError("not_found", "No account with this id.");
    sendData(res, 200, toAccountResponse(details));
  });

  return router;
}
