import { findContactDetails, type Prisma } from "@upsert/db";
import { DomainError, toContactResponse } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";

export function createContactsReadRouter(deps: { prisma: Prisma }): Router {
  const router = Router();

  router.get("/v1/contacts/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    // Malformed ids, unknown ids and other orgs' contacts are indistinguishable to the caller.
    const details = await findContactDetails(deps.prisma, orgId, req.params.id);
    if (!details) throw new DomainError("not_found", "No contact with this id.");
    sendData(res, 200, toContactResponse(details));
  });

  return router;
}
