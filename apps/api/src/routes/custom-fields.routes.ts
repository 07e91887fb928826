import {
  createCustomField,
  deleteCustomField,
  findCustomField,
  listCustomFields,
  type Prisma,
} from "@upsert/db";
import {
  DomainError,
  parseCreateCustomFieldRequest,
  parseListCustomFieldsQuery,
  toCustomFieldResponse,
} from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";
import { requireJsonBody } from "../http/require-json-body";

// Malformed ids, unknown ids and other orgs' fields are indistinguishable to the caller.
const noSuchField = () => new DomainError("not_found", "No custom field with this id.");

export function createCustomFieldsRouter(deps: { prisma: Prisma; readPrisma: Prisma }): Router {
  const router = Router();

  router.post("/v1/custom-fields", async (req, res) => {
    requireJsonBody(req);
    const { orgId } = authOf(res.locals);
    const field = await createCustomField(deps.prisma, orgId, parseCreateCustomFieldRequest(req.body));
    req.log.info({ customFieldId: field.id }, "custom field created");
    sendData(res, 201, toCustomFieldResponse(field));
  });

  router.get("/v1/custom-fields", async (req, res) => {
    const { entity } = parseListCustomFieldsQuery(req.query);
    const fields = await listCustomFields(deps.readPrisma, authOf(res.locals).orgId, entity);
    sendData(res, 200, fields.map(toCustomFieldResponse));
  });

  router.get("/v1/custom-fields/:id", async (req, res) => {
    const field = await findCustomField(deps.readPrisma, authOf(res.locals).orgId, req.params.id);
    if (!field) throw noSuchField();
    sendData(res, 200, toCustomFieldResponse(field));
  });

  // Deleting a field deletes its values on every contact (see deleteCustomField).
  router.delete("/v1/custom-fields/:id", async (req, res) => {
    if (!(await deleteCustomField(deps.prisma, authOf(res.locals).orgId, req.params.id))) throw noSuchField();
    req.log.info({ customFieldId: req.params.id }, "custom field deleted");
    res.status(204).end();
  });

  return router;
}
