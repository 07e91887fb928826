import { createCustomField, type Prisma } from "@upsert/db";
import { DomainError, parseCreateCustomFieldRequest, toCustomFieldResponse } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";

export function createCustomFieldsRouter(deps: { prisma: Prisma }): Router {
  const router = Router();

  router.post("/v1/custom-fields", async (req, res) => {
    if (!req.is("application/json")) {
      throw new DomainError(
        "unsupported_media_type",
        "Send the body as JSON with `Content-Type: application/json`.",
      );
    }
    const { orgId } = authOf(res.locals);
    const field = await createCustomField(deps.prisma, orgId, parseCreateCustomFieldRequest(req.body));
    req.log.info({ customFieldId: field.id }, "custom field created");
    sendData(res, 201, toCustomFieldResponse(field));
  });

  return router;
}
