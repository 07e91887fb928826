import { findBatchForOrg, listBatchItems } from "@upsert/db";
import { DomainError, invalidRequestError, parseBatchItemsQuery } from "@upsert/domain";
import { type Request, type Response, Router } from "express";
import { closeSignalOf } from "../http/answer-write";
import { authOf } from "../http/authenticate";
import {
  batchLink,
  isBatchRecordFinished,
  toAcceptedBatchView,
  toBatchItemView,
  toBatchView,
  toFinishedBatchView,
} from "../http/batch-view";
import { sendData, sendList } from "../http/envelope";
import { readPreference } from "../http/prefer";
import { type RateLimits, retryAfterSeconds, setItemsRateLimitHeaders } from "../http/rate-limit";
import { requireJsonBody } from "../http/require-json-body";
import {
  type AcceptBatchResult,
  acceptBatchItems,
  type BatchKind,
  enqueueBatchJobs,
  parseBatchBody,
} from "../services/accept-batch";
import type { AcceptUpsertDeps } from "../services/accept-upsert";
import { awaitBatch } from "../services/await-batch";
import type { AwaitWriteDeps } from "../services/await-write";

export interface BatchesDeps extends AcceptUpsertDeps, AwaitWriteDeps {
  rateLimits: RateLimits;
  /** BATCH_MAX_ITEMS: see apps/api/src/config.ts. */
  batchMaxItems: number;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createBatchesRouter(deps: BatchesDeps): Router {
  const router = Router();

  const acceptBatch = (kind: BatchKind) => async (req: Request, res: Response) => {
    requireJsonBody(req);
    const auth = authOf(res.locals);
    const request = parseBatchBody(req.body, {
      maxItems: deps.batchMaxItems,
      idempotencyKeyHeader: req.get("idempotency-key"),
    });
    // The batch counted as one request (requireApiKey); its items count against their own limit.
    const limit = auth.itemsRateLimitPerMinute ?? deps.rateLimits.defaultItemsPerMinute;
    const budget = await deps.rateLimits.takeOrgItems(auth.orgId, request.items.length, limit);
    setItemsRateLimitHeaders(res, budget);
    if (!budget.allowed) {
      throw new DomainError(
        "rate_limited",
        `Rate limit of ${limit} batch items per minute exceeded (this batch has ${request.items.length}). Retry after ${retryAfterSeconds(budget)} s.`,
      );
    }
    const accepted = await acceptBatchItems(deps, { orgId: auth.orgId, kind, request });
    // The 202 rests on the commit alone, so the jobs are added once the answer is written (or
    // while a `Prefer: wait` answer waits for them): the caller never waits for Redis.
    setImmediate(() => void enqueueBatchJobs(deps, auth.orgId, accepted));
    await answerBatch(req, res, deps, auth.orgId, accepted);
  };
  router.post("/v1/contacts/batch", acceptBatch("contacts"));
  router.post("/v1/accounts/batch", acceptBatch("accounts"));

  // With `Prefer: wait=N`, a long poll: the batch once every item's write has finished, or after N s.
  router.get("/v1/batches/:id", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const id = req.params.id.toLowerCase();
    const preference = readPreference(req.headers.prefer, deps.preferWaitMaxS);
    res.vary("Prefer");
    let batch = null;
    // Malformed ids, unknown ids and other orgs' batches are indistinguishable to the caller.
    if (uuid.test(id)) {
      batch =
        preference.kind === "wait"
          ? await awaitBatch(deps, {
              orgId,
              batchId: id,
              seconds: preference.seconds,
              signal: closeSignalOf(res),
            })
          : await findBatchForOrg(deps.prisma, orgId, id);
    }
    if (!batch) throw new DomainError("not_found", "No batch with this id.");
    if (preference.kind === "wait") res.set("Preference-Applied", `wait=${preference.seconds}`);
    sendData(res, 200, toBatchView(batch));
  });

  router.get("/v1/batches/:id/items", async (req, res) => {
    const { orgId } = authOf(res.locals);
    const id = req.params.id.toLowerCase();
    const query = parseBatchItemsQuery(req.query as Record<string, unknown>);
    const batch = uuid.test(id) ? await findBatchForOrg(deps.prisma, orgId, id) : null;
    if (!batch) throw new DomainError("not_found", "No batch with this id.");
    if (!query.ok) throw invalidRequestError(query.details);
    const { page, pageSize, status } = query.query;
    const listed = await listBatchItems(deps.prisma, {
      batchId: batch.id,
      status,
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    sendList(res, listed.items.map(toBatchItemView), {
      page,
      pageSize,
      totalCount: listed.totalCount,
      totalCountExact: true,
    });
  });

  return router;
}

/**
 * 202 with the batch and its rejected items; with `Prefer: wait=N`, 200 and the batch view once
 * every accepted item's write has finished within N s (the 202 if not).
 */
async function answerBatch(
  req: Request,
  res: Response,
  deps: BatchesDeps,
  orgId: string,
  accepted: AcceptBatchResult,
): Promise<void> {
  const { batch, replayed } = accepted;
  const preference = readPreference(req.headers.prefer, deps.preferWaitMaxS);
  if (preference.kind === "respond-async") res.set("Preference-Applied", "respond-async");
  if (replayed) res.set("Idempotent-Replayed", "true");
  res.set({ Location: batchLink(batch.id), "Batch-Id": batch.id });
  const log = { batchId: batch.id, replayed, accepted: batch.acceptedCount, rejected: batch.rejected.length };
  const current =
    preference.kind === "wait"
      ? await awaitBatch(deps, {
          orgId,
          batchId: batch.id,
          seconds: preference.seconds,
          signal: closeSignalOf(res),
        })
      : replayed
        ? await findBatchForOrg(deps.prisma, orgId, batch.id)
        : null;
  if (preference.kind === "wait" && current && isBatchRecordFinished(current)) {
    res.set("Preference-Applied", `wait=${preference.seconds}`);
    req.log.info(log, "batch accepted; finished");
    return sendData(res, 200, toFinishedBatchView(batch, current));
  }
  res.set("Retry-After", "1");
  req.log.info(log, "batch accepted");
  sendData(res, 202, toAcceptedBatchView(batch, current));
}
