import { findContactDetails, type Prisma } from "@upsert/db";
import { DomainError, toContactResponse } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData, sendList } from "../http/envelope";
import { requireJsonBody } from "../http/require-json-body";
import { type ListRecordsDeps, listContactRecords } from "../services/list-records";

export function createContactsReadRouter(deps: { readPrisma: Prisma } & ListRecordsDeps): Router {
  const router = Router();

  router.post("/v1/contacts/list", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const listed = await listContactRecords(deps, orgId, req.body);
    sendList(res, listed.items, listed.view);
  });

  router.get("/v1/contacts/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    // Malformed ids, unknown ids and other orgs' contacts are indistinguishable to the caller.
    const details = await findContactDetails(deps.readPrisma, orgId, req.params.id);
    if (!details) throw new DomainError("not_found", "No contact with this id.");
    sendData(res, 200, toContactResponse(details));
  });

  return router;
}
