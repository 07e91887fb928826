import { findRequestForOrg, type Prisma } from "@upsert/db";
import { DomainError } from "@upsert/domain";
import { Router } from "express";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";
import { toJobView } from "../http/job-view";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createJobsRouter(deps: { prisma: Prisma }): Router {
  const router = Router();

  router.get("/v1/jobs/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const id = req.params.id.toLowerCase();
    // Malformed ids, unknown ids and other orgs' jobs are indistinguishable to the caller.
    const request = uuid.test(id) ? await findRequestForOrg(deps.prisma, orgId, id) : null;
    if (!request) throw new DomainError("not_found", "No job with this id.");
    sendData(res, 200, toJobView(request));
  });

  return router;
}
