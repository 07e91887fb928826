import { findAccountDetails } from "@upsert/db";
import { DomainError, toAccountResponse } from "@upsert/domain";
import { Router } from "express";
import { answerWrite } from "../http/answer-write";
import { authOf } from "../http/authenticate";
import { sendData, sendList } from "../http/envelope";
import { requireJsonBody } from "../http/require-json-body";
import { acceptAccountDelete, acceptAccountPatch } from "../services/accept-by-id";
import { type AcceptUpsertDeps, acceptAccountUpsert } from "../services/accept-upsert";
import type { AwaitWriteDeps } from "../services/await-write";
import { type ListRecordsDeps, listAccountRecords } from "../services/list-records";

export function createAccountsRouter(deps: AcceptUpsertDeps & AwaitWriteDeps & ListRecordsDeps): Router {
  const router = Router();

  router.post("/v1/accounts/list", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const listed = await listAccountRecords(deps, orgId, req.body);
    sendList(res, listed.items, listed.view);
  });

  // Upsert by domain, async like contacts: 202 with a job (or, with `Prefer: wait`, the account);
  // a created account is enriched.
  router.put("/v1/accounts", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const accepted = await acceptAccountUpsert(deps, {
      orgId,
      body: req.body,
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    await answerWrite(req, res, deps, accepted, "account upsert accepted");
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
    await answerWrite(req, res, deps, accepted, "account patch accepted");
  });

  // The account goes; its contacts stay, with no account.
  router.delete("/v1/accounts/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const accepted = await acceptAccountDelete(deps, {
      orgId,
      id: String(req.params.id),
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    await answerWrite(req, res, deps, accepted, "account delete accepted");
  });

  router.get("/v1/accounts/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    // Malformed ids, unknown ids and other orgs' accounts are indistinguishable to the caller.
    const details = await findAccountDetails(deps.readPrisma, orgId, req.params.id);
    if (!details) throw new DomainError("not_found", "No account with this id.");
    sendData(res, 200, toAccountResponse(details));
  });

  return router;
}
