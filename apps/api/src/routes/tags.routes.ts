import { createTag, listTags, type Prisma } from "@upsert/db";
import { DomainError, parseCreateTagRequest, parseListTagsQuery, toTagResponse } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";

export function createTagsRouter(deps: { prisma: Prisma }): Router {
  const router = Router();

  router.post("/v1/tags", async (req, res) => {
    if (!req.is("application/json")) {
      throw new DomainError(
        "unsupported_media_type",
        "Send the body as JSON with `Content-Type: application/json`.",
      );
    }
    const { orgId } = authOf(res.locals);
    const tag = await createTag(deps.prisma, orgId, parseCreateTagRequest(req.body));
    req.log.info({ tagId: tag.id }, "tag created");
    sendData(res, 201, toTagResponse(tag));
  });

  router.get("/v1/tags", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const tags = await listTags(deps.prisma, orgId, parseListTagsQuery(req.query));
    sendData(res, 200, tags.map(toTagResponse));
  });

  return router;
}
