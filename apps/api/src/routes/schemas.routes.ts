import { listCustomFields, type Prisma } from "@upsert/db";
import { DomainError, listContactFieldSchemas } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";

export function createSchemasRouter(deps: { prisma: Prisma }): Router {
  const router = Router();

  router.get("/v1/schemas/:entity", async (req, res) => {
    const { orgId } = authOf(res.locals);
    // Contacts are the only entity this service stores; Monaco's other entities are unknown here.
    if (req.params.entity !== "contacts") {
      throw new DomainError("not_found", "No field schemas for this entity. Supported: contacts.");
    }
    const customFields = await listCustomFields(deps.prisma, orgId, "contacts");
    sendData(res, 200, listContactFieldSchemas(customFields));
  });

  return router;
}
