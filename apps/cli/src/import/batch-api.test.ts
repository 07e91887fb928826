import { type HttpStandIn, type StandInHandler, startHttpStandIn } from "@upsert/testing";
import { afterEach, describe, expect, it } from "vitest";
import { CliError } from "../cli.errors";
import { createBatchApi } from "./batch-api";

// A real HTTP server in the API's place, for the answers the running API does not give on demand
// (a proxy's 502, a dropped connection, a 429 with a chosen Retry-After).

const batchId = "01890a5d-ac96-774b-bcce-b302099a8057";
const meta = { timestamp: "2026-12-02T00:00:00.000Z" };
const links = { self: `/v1/batches/${batchId}`, items: `/v1/batches/${batchId}/items` };
const counts = { items: 2, accepted: 2, rejected: 0, queued: 0, running: 0, succeeded: 1, failed: 1 };

function json(res: Parameters<StandInHandler>[1], status: number, body: unknown, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

let standIn: HttpStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function apiAnswering(handler: StandInHandler) {
  standIn = await startHttpStandIn(handler);
  const waits: number[] = [];
  const api = createBatchApi({
    apiUrl: `${standIn.url}/`,
    apiKey: "mks_test",
    onRateLimited: (ms) => waits.push(ms),
  });
  return { api, requests: standIn.requests, waits };
}

describe("createBatchApi", () => {
  it("sends a batch again, with the same body and idempotency key, after a dropped connection, 502 and 503", async () => {
    let calls = 0;
    const { api, requests } = await apiAnswering((_req, res) => {
      calls += 1;
      if (calls === 1) return void res.socket?.destroy();
      if (calls === 2)
        return void res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad gateway</h1>");
      if (calls === 3) return json(res, 503, { error: { code: "service_unavailable", message: "Redis" } });
      json(res, 202, {
        data: { batch_id: batchId, status: "queued", accepted: 1, rejected: [], links },
        meta,
      });
    });

    const accepted = await api.submit([{ email: "ann@acme.com" }], "cli-import:run:0");

    expect(accepted).toMatchObject({ batch_id: batchId, accepted: 1, rejected: [] });
    expect(requests).toHaveLength(4);
    for (const req of requests) {
      expect(req.method).toBe("POST");
      expect(req.url).toBe("/v1/contacts/batch");
      expect(req.headers.authorization).toBe("Bearer mks_test");
      expect(JSON.parse(req.body)).toEqual({
        items: [{ email: "ann@acme.com" }],
        idempotency_key: "cli-import:run:0",
      });
    }
  }, 30_000);

  it("waits a 429's Retry-After, then polls with Prefer: wait=10 until the batch has finished", async () => {
    let calls = 0;
    const { api, requests, waits } = await apiAnswering((_req, res) => {
      calls += 1;
      if (calls === 1)
        return json(
          res,
          429,
          { error: { code: "rate_limited", message: "Slow down" } },
          { "retry-after": "1" },
        );
      const done = calls >= 3;
      json(res, 200, {
        data: {
          id: batchId,
          operation: "contact.upsert",
          status: done ? "partially_failed" : "running",
          counts: {
            ...counts,
            running: done ? 0 : 1,
            succeeded: done ? 1 : 0,
            failed: done ? 1 : 0,
            created: 1,
            updated: 0,
          },
          created_at: meta.timestamp,
          finished_at: done ? meta.timestamp : null,
          links,
        },
        meta,
      });
    });
    const seen: string[] = [];

    const batch = await api.waitFinished(batchId, (view) => seen.push(view.status));

    expect(waits).toEqual([1_000]);
    expect(seen).toEqual(["running", "partially_failed"]);
    expect(batch.counts).toMatchObject({ succeeded: 1, failed: 1, created: 1 });
    expect(requests.map((req) => [req.url, req.headers.prefer])).toEqual([
      [`/v1/batches/${batchId}`, "wait=10"],
      [`/v1/batches/${batchId}`, "wait=10"],
      [`/v1/batches/${batchId}`, "wait=10"],
    ]);
  }, 30_000);

  it("reads every page of the failed items", async () => {
    const { api, requests } = await apiAnswering((req, res) => {
      const page = Number(new URL(req.url, "http://x").searchParams.get("page"));
      json(res, 200, {
        data: [
          {
            index: page * 10,
            job_id: batchId,
            status: "failed",
            result: null,
            error: { code: "conflict", message: `page ${page}` },
            links: { job: `/v1/jobs/${batchId}` },
          },
        ],
        pagination: { page, page_size: 100, total_count: 3, total_pages: 3, total_count_exact: true },
        meta,
      });
    });

    const items = await api.failedItems(batchId);

    expect(items.map((item) => [item.index, item.error?.message])).toEqual([
      [10, "page 1"],
      [20, "page 2"],
      [30, "page 3"],
    ]);
    expect(requests.map((req) => req.url)).toEqual(
      [1, 2, 3].map((page) => `/v1/batches/${batchId}/items?status=failed&page=${page}&page_size=100`),
    );
  });

  it("turns an error answer into one sentence with the call, the status and the API's code", async () => {
    const { api } = await apiAnswering((req, res) => {
      if (req.url.startsWith("/v1/custom-fields")) return void res.writeHead(200).end("not json");
      json(res, 422, { error: { code: "unprocessable_entity", message: "items must have at least 1 item" } });
    });

    await expect(api.submit([], "k")).rejects.toThrow(
      new CliError(
        "the API answered POST /v1/contacts/batch with 422 unprocessable_entity: items must have at least 1 item",
      ),
    );
    await expect(api.customFieldTypes()).rejects.toThrow(
      new CliError("the API answered GET /v1/custom-fields?entity=contacts with 200"),
    );
  });
});
