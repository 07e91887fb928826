import type { Prisma } from "@upsert/db";
import { DomainError, type ListEntity, listEntities } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";
import { listEntityFieldSchemas } from "../services/list-records";

export function createSchemasRouter(deps: { readPrisma: Prisma }): Router {
  const router = Router();

  router.get("/v1/schemas/:entity", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const entity = req.params.entity as ListEntity;
    // Monaco's other entities (opportunities, tasks, …) are not stored by this service.
    if (!listEntities.includes(entity)) {
      throw new DomainError(
        "not_found",
        `No field schemas for this entity. Supported: ${listEntities.join(", ")}.`,
      );
    }
    sendData(res, 200, await listEntityFieldSchemas(deps, orgId, entity));
  });

  return router;
}
