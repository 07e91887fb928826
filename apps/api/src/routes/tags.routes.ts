import { createTag, deleteTag, findTag, listTags, type Prisma, updateTag } from "@upsert/db";
import {
  DomainError,
  parseCreateTagRequest,
  parseListTagsQuery,
  parseUpdateTagRequest,
  toTagResponse,
} from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";
import { requireJsonBody } from "../http/require-json-body";

// Malformed ids, unknown ids and other orgs' tags are indistinguishable to the caller.
const noSuchTag = () => new DomainError("not_found", "No tag with this id.");

/** Monaco's tag endpoints: synchronous, as Monaco's are (a tag is a definition, not contact data). */
export function createTagsRouter(deps: { prisma: Prisma; readPrisma: Prisma }): Router {
  const router = Router();

  router.post("/v1/tags", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const tag = await createTag(deps.prisma, orgId, parseCreateTagRequest(req.body));
    req.log.info({ tagId: tag.id }, "tag created");
    sendData(res, 200, toTagResponse(tag)); // Monaco answers a created tag with 200
  });

  router.get("/v1/tags", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const tags = await listTags(deps.readPrisma, orgId, parseListTagsQuery(req.query));
    sendData(res, 200, tags.map(toTagResponse));
  });

  router.get("/v1/tags/:id", async (req, res) => {
    const tag = await findTag(deps.readPrisma, authOf(res.locals).orgId, req.params.id);
    if (!tag) throw noSuchTag();
    sendData(res, 200, toTagResponse(tag));
  });

  router.patch("/v1/tags/:id", async (req, res) => {
    requireJsonBody(req);
    const input = parseUpdateTagRequest(req.body);
    const tag = await updateTag(deps.prisma, authOf(res.locals).orgId, req.params.id, input);
    if (!tag) throw noSuchTag();
    req.log.info({ tagId: tag.id }, "tag updated");
    sendData(res, 200, toTagResponse(tag));
  });

  router.delete("/v1/tags/:id", async (req, res) => {
    if (!(await deleteTag(deps.prisma, authOf(res.locals).orgId, req.params.id))) throw noSuchTag();
    req.log.info({ tagId: req.params.id }, "tag deleted");
    res.status(204).end();
  });

  return router;
}
