import { findAccountDetails, type Prisma } from "@upsert/db";
import { DomainError, toAccountResponse } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";

export function createAccountsRouter(deps: { prisma: Prisma }): Router {
  const router = Router();

  router.get("/v1/accounts/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    // Malformed ids, unknown ids and other orgs' accounts are indistinguishable to the caller.
    const details = await findAccountDetails(deps.prisma, orgId, req.params.id);
    if (!details) throw new DomainError("not_found", "No account with this id.");
    sendData(res, 200, toAccountResponse(details));
  });

  return router;
}
