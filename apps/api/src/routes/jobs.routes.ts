import { findRequestForOrg, type Prisma } from "@upsert/db";
import { DomainError } from "@upsert/domain";
import { Router } from "express";
import { closeSignalOf } from "../http/answer-write";
import { authOf } from "../http/authenticate";
import { sendData } from "../http/envelope";
import { toJobView } from "../http/job-view";
import { readPreference } from "../http/prefer";
import { type AwaitWriteDeps, awaitWrite } from "../services/await-write";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createJobsRouter(deps: AwaitWriteDeps & { readPrisma: Prisma }): Router {
  const router = Router();

  // With `Prefer: wait=N`, a long poll: the job once its write has finished, or as it is after N s,
  // read from the primary (the caller who waited sees its write). Without it, a read that may lag.
  router.get("/v1/jobs/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const id = req.params.id.toLowerCase();
    const preference = readPreference(req.headers.prefer, deps.preferWaitMaxS);
    res.vary("Prefer");
    let request = null;
    // Malformed ids, unknown ids and other orgs' jobs are indistinguishable to the caller.
    if (uuid.test(id)) {
      request =
        preference.kind === "wait"
          ? await awaitWrite(deps, {
              orgId,
              requestId: id,
              seconds: preference.seconds,
              signal: closeSignalOf(res),
            })
          : await findRequestForOrg(deps.readPrisma, orgId, id);
    }
    if (!request) throw new DomainError("not_found", "No job with this id.");
    if (preference.kind === "wait") res.set("Preference-Applied", `wait=${preference.seconds}`);
    sendData(res, 200, toJobView(request));
  });

  return router;
}
